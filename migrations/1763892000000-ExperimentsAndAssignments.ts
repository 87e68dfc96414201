import { MigrationInterface, QueryRunner } from 'typeorm';

export class ExperimentsAndAssignments1763892000000 implements MigrationInterface {
  name = 'ExperimentsAndAssignments1763892000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE experiments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        key text NOT NULL,
        name text NOT NULL,
        description text,
        hypothesis text,
        status text NOT NULL DEFAULT 'draft',
        variants jsonb NOT NULL,
        control_variant text NOT NULL,
        traffic_allocation double precision NOT NULL DEFAULT 1,
        metrics jsonb NOT NULL,
        minimum_sample_size integer NOT NULL DEFAULT 100,
        confidence_level double precision NOT NULL DEFAULT 0.95,
        analysis text NOT NULL DEFAULT 'frequentist',
        correction text NOT NULL DEFAULT 'holm',
        hash_seed text NOT NULL,
        winner text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        paused_at timestamptz,
        completed_at timestamptz,
        CONSTRAINT experiments_key_format CHECK (key ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
        CONSTRAINT experiments_name_length CHECK (char_length(name) BETWEEN 1 AND 200),
        CONSTRAINT experiments_status_valid CHECK (status IN ('draft', 'running', 'paused', 'completed')),
        CONSTRAINT experiments_variants_count CHECK (jsonb_typeof(variants) = 'array' AND jsonb_array_length(variants) BETWEEN 2 AND 20),
        CONSTRAINT experiments_metrics_count CHECK (jsonb_typeof(metrics) = 'array' AND jsonb_array_length(metrics) BETWEEN 1 AND 20),
        CONSTRAINT experiments_traffic_allocation_range CHECK (traffic_allocation > 0 AND traffic_allocation <= 1),
        CONSTRAINT experiments_minimum_sample_size_positive CHECK (minimum_sample_size >= 1),
        CONSTRAINT experiments_confidence_level_range CHECK (confidence_level BETWEEN 0.5 AND 0.999),
        CONSTRAINT experiments_analysis_valid CHECK (analysis IN ('frequentist', 'sequential', 'bayesian')),
        CONSTRAINT experiments_correction_valid CHECK (correction IN ('holm', 'bh', 'none'))
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX experiments_key_unique ON experiments (key)`);
    await queryRunner.query(`CREATE UNIQUE INDEX experiments_name_unique ON experiments (lower(name))`);
    await queryRunner.query(`CREATE INDEX experiments_status_created_idx ON experiments (status, created_at DESC)`);
    await queryRunner.query(`CREATE INDEX experiments_created_idx ON experiments (created_at DESC, id DESC)`);

    await queryRunner.query(`
      CREATE TABLE experiment_history (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        experiment_id uuid NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        action text NOT NULL,
        from_status text,
        to_status text,
        changes jsonb,
        actor text NOT NULL,
        CONSTRAINT experiment_history_actor_valid CHECK (actor IN ('admin', 'client', 'scheduler'))
      )`);
    await queryRunner.query(`CREATE INDEX experiment_history_experiment_at_idx ON experiment_history (experiment_id, at)`);

    // The primary key is the stickiness guarantee: one row per (experiment, user), whoever races.
    await queryRunner.query(`
      CREATE TABLE assignments (
        experiment_id uuid NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
        user_id text NOT NULL,
        variant text NOT NULL,
        assigned_at timestamptz NOT NULL DEFAULT now(),
        exposures bigint NOT NULL DEFAULT 1,
        last_exposed_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT assignments_pkey PRIMARY KEY (experiment_id, user_id),
        CONSTRAINT assignments_user_id_length CHECK (char_length(user_id) BETWEEN 1 AND 256),
        CONSTRAINT assignments_exposures_positive CHECK (exposures >= 1)
      )`);
    await queryRunner.query(`CREATE INDEX assignments_experiment_variant_idx ON assignments (experiment_id, variant)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE assignments`);
    await queryRunner.query(`DROP TABLE experiment_history`);
    await queryRunner.query(`DROP TABLE experiments`);
  }
}
