import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * State of the scheduled analysis (docs/decisions/007): when each running experiment is next due,
 * and which alert conditions held at its last analysis, so an SRM or guardrail alert is raised once
 * when its condition starts and resolved when it clears, not once per tick. A row per experiment of
 * its own, so the job's row lock (FOR NO KEY UPDATE SKIP LOCKED) never touches `experiments`, which
 * assignment and event inserts reference.
 */
export class ExperimentAnalysis1795431400000 implements MigrationInterface {
  name = 'ExperimentAnalysis1795431400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE experiment_analysis (
        experiment_id uuid NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
        next_due_at timestamptz NOT NULL,
        last_run_at timestamptz,
        srm_failing boolean NOT NULL DEFAULT false,
        guardrail_failing boolean NOT NULL DEFAULT false,
        headline text,
        CONSTRAINT experiment_analysis_pkey PRIMARY KEY (experiment_id)
      )`);
    await queryRunner.query(`CREATE INDEX experiment_analysis_next_due_idx ON experiment_analysis (next_due_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE experiment_analysis`);
  }
}
