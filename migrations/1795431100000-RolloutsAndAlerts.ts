import { MigrationInterface, QueryRunner } from 'typeorm';

export class RolloutsAndAlerts1795431100000 implements MigrationInterface {
  name = 'RolloutsAndAlerts1795431100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE rollouts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        description text,
        model_version text NOT NULL,
        baseline_version text,
        status text NOT NULL DEFAULT 'draft',
        percentage numeric(5, 2) NOT NULL DEFAULT 0,
        current_stage integer NOT NULL DEFAULT 0,
        stage_started_at timestamptz,
        start_time timestamptz,
        stages jsonb NOT NULL,
        health_thresholds jsonb NOT NULL,
        webhook_url text,
        last_health jsonb,
        rollback_reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        completed_at timestamptz,
        CONSTRAINT rollouts_name_length CHECK (char_length(name) BETWEEN 1 AND 200),
        CONSTRAINT rollouts_model_version_length CHECK (char_length(model_version) BETWEEN 1 AND 200),
        CONSTRAINT rollouts_status_valid CHECK (status IN ('draft', 'scheduled', 'running', 'paused', 'completed', 'rolled_back')),
        CONSTRAINT rollouts_percentage_range CHECK (percentage >= 0 AND percentage <= 100),
        CONSTRAINT rollouts_stages_count CHECK (jsonb_typeof(stages) = 'array' AND jsonb_array_length(stages) BETWEEN 1 AND 20),
        CONSTRAINT rollouts_current_stage_range CHECK (current_stage >= 0 AND current_stage < jsonb_array_length(stages)),
        CONSTRAINT rollouts_health_thresholds_object CHECK (jsonb_typeof(health_thresholds) = 'object'),
        CONSTRAINT rollouts_running_has_stage_start CHECK (status NOT IN ('running', 'paused') OR stage_started_at IS NOT NULL),
        CONSTRAINT rollouts_rolled_back_at_zero CHECK (status <> 'rolled_back' OR percentage = 0),
        CONSTRAINT rollouts_completed_at_full CHECK (status <> 'completed' OR percentage = 100)
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX rollouts_name_unique ON rollouts (lower(name))`);
    // One rollout per model version that is not finished yet: two of them would answer checks differently.
    await queryRunner.query(`
      CREATE UNIQUE INDEX rollouts_model_version_active_unique ON rollouts (model_version)
       WHERE status IN ('draft', 'scheduled', 'running', 'paused')`);
    await queryRunner.query(`CREATE INDEX rollouts_model_version_idx ON rollouts (model_version, updated_at DESC)`);
    // What the scheduler scans every tick.
    await queryRunner.query(`CREATE INDEX rollouts_due_idx ON rollouts (status, start_time) WHERE status IN ('scheduled', 'running')`);
    await queryRunner.query(`CREATE INDEX rollouts_created_idx ON rollouts (created_at DESC, id DESC)`);

    await queryRunner.query(`
      CREATE TABLE rollout_history (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        rollout_id uuid NOT NULL REFERENCES rollouts (id) ON DELETE CASCADE,
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        action text NOT NULL,
        from_percentage numeric(5, 2),
        to_percentage numeric(5, 2),
        stage integer,
        reason text,
        health jsonb,
        actor text NOT NULL,
        CONSTRAINT rollout_history_action_valid CHECK (action IN (
          'created', 'updated', 'scheduled', 'started', 'advanced', 'manual_percentage', 'paused', 'resumed',
          'held', 'health_failed', 'rolled_back', 'promoted', 'completed')),
        CONSTRAINT rollout_history_actor_valid CHECK (actor IN ('admin', 'client', 'scheduler')),
        CONSTRAINT rollout_history_percentages_range CHECK (
          (from_percentage IS NULL OR from_percentage BETWEEN 0 AND 100) AND (to_percentage IS NULL OR to_percentage BETWEEN 0 AND 100))
      )`);
    await queryRunner.query(`CREATE INDEX rollout_history_rollout_at_idx ON rollout_history (rollout_id, at, id)`);

    await queryRunner.query(`
      CREATE TABLE rollout_health_reports (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        rollout_id uuid NOT NULL REFERENCES rollouts (id) ON DELETE CASCADE,
        received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        requests bigint NOT NULL,
        errors bigint NOT NULL,
        latency_p95_ms double precision,
        labeled bigint NOT NULL DEFAULT 0,
        correct bigint NOT NULL DEFAULT 0,
        window_start timestamptz,
        window_end timestamptz,
        CONSTRAINT rollout_health_reports_requests_range CHECK (requests >= 0 AND errors >= 0 AND errors <= requests),
        CONSTRAINT rollout_health_reports_labels_range CHECK (labeled >= 0 AND correct >= 0 AND correct <= labeled),
        CONSTRAINT rollout_health_reports_latency_range CHECK (latency_p95_ms IS NULL OR latency_p95_ms >= 0),
        CONSTRAINT rollout_health_reports_window_order CHECK (window_start IS NULL OR window_end IS NULL OR window_start <= window_end)
      )`);
    await queryRunner.query(`CREATE INDEX rollout_health_reports_rollout_received_idx ON rollout_health_reports (rollout_id, received_at)`);

    await queryRunner.query(`
      CREATE TABLE rollout_observations (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        rollout_id uuid NOT NULL REFERENCES rollouts (id) ON DELETE CASCADE,
        received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        latency_ms double precision,
        error boolean NOT NULL DEFAULT false,
        correct boolean,
        CONSTRAINT rollout_observations_latency_range CHECK (latency_ms IS NULL OR latency_ms >= 0)
      )`);
    await queryRunner.query(`CREATE INDEX rollout_observations_rollout_received_idx ON rollout_observations (rollout_id, received_at)`);

    await queryRunner.query(`
      CREATE TABLE alerts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL,
        severity text NOT NULL,
        subject_type text NOT NULL,
        subject_id text NOT NULL,
        message text NOT NULL,
        status text NOT NULL DEFAULT 'open',
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        acknowledged_at timestamptz,
        resolved_at timestamptz,
        CONSTRAINT alerts_kind_format CHECK (kind ~ '^[a-z][a-z0-9_]{0,63}$'),
        CONSTRAINT alerts_severity_valid CHECK (severity IN ('info', 'warning', 'critical')),
        CONSTRAINT alerts_subject_type_valid CHECK (subject_type IN ('rollout', 'experiment')),
        CONSTRAINT alerts_status_valid CHECK (status IN ('open', 'acknowledged', 'resolved')),
        CONSTRAINT alerts_message_length CHECK (char_length(message) BETWEEN 1 AND 4000),
        CONSTRAINT alerts_resolved_has_time CHECK (status <> 'resolved' OR resolved_at IS NOT NULL)
      )`);
    // At most one unresolved alert per (kind, subject): raising again while one is open is a no-op.
    await queryRunner.query(`
      CREATE UNIQUE INDEX alerts_unresolved_unique ON alerts (kind, subject_type, subject_id)
       WHERE status IN ('open', 'acknowledged')`);
    await queryRunner.query(`CREATE INDEX alerts_status_created_idx ON alerts (status, created_at DESC)`);
    await queryRunner.query(`CREATE INDEX alerts_created_idx ON alerts (created_at DESC, id DESC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE alerts`);
    await queryRunner.query(`DROP TABLE rollout_observations`);
    await queryRunner.query(`DROP TABLE rollout_health_reports`);
    await queryRunner.query(`DROP TABLE rollout_history`);
    await queryRunner.query(`DROP TABLE rollouts`);
  }
}
