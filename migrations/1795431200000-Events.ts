import { MigrationInterface, QueryRunner } from 'typeorm';

export class Events1795431200000 implements MigrationInterface {
  name = 'Events1795431200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Not partitioned (see README, design notes): every query filters on one experiment and is served
    // by the covering index below; HASH (experiment_id) partitions are the compatible next step.
    await queryRunner.query(`
      CREATE TABLE events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        experiment_id uuid NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
        user_id text NOT NULL,
        variant text NOT NULL,
        event_name text NOT NULL,
        value double precision NOT NULL DEFAULT 1,
        properties jsonb,
        event_id text,
        occurred_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT events_value_finite CHECK (value <> 'NaN' AND value <> 'Infinity' AND value <> '-Infinity'),
        CONSTRAINT events_user_id_length CHECK (char_length(user_id) BETWEEN 1 AND 256),
        CONSTRAINT events_variant_length CHECK (char_length(variant) BETWEEN 1 AND 200),
        CONSTRAINT events_event_name_length CHECK (char_length(event_name) BETWEEN 1 AND 200),
        CONSTRAINT events_event_id_length CHECK (event_id IS NULL OR char_length(event_id) BETWEEN 1 AND 200),
        CONSTRAINT events_properties_object CHECK (properties IS NULL OR jsonb_typeof(properties) = 'object')
      )`);
    // Idempotency: an eventId is stored once per experiment, whoever races (INSERT … ON CONFLICT DO NOTHING).
    await queryRunner.query(
      `CREATE UNIQUE INDEX events_experiment_event_id_unique ON events (experiment_id, event_id) WHERE event_id IS NOT NULL`,
    );
    // Per-experiment aggregation (per event name, per user) as an index-only scan in (event_name, user_id)
    // order; occurred_at is included for the cumulative time series. Also serves the ON DELETE CASCADE.
    await queryRunner.query(
      `CREATE INDEX events_experiment_name_user_idx ON events (experiment_id, event_name, user_id) INCLUDE (value, variant, occurred_at)`,
    );
    // Inserts only: let autovacuum keep the visibility map current so index-only scans stay index-only.
    await queryRunner.query(`ALTER TABLE events SET (autovacuum_vacuum_insert_scale_factor = 0.05)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE events`);
  }
}
