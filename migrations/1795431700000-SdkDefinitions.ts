import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What SDKs need to evaluate locally and report what they decided (docs/decisions/017-sdk-local-evaluation.md):
 * - `allocation_high_water`: the largest traffic allocation an experiment ever ran with. Only users
 *   inside that allocation can hold an assignment, so an SDK knows exactly who is not enrolled
 *   after the allocation was lowered or the experiment paused. Kept by a trigger, so no writer can
 *   forget it; back-filled from history (every allocation an update set while running or paused).
 * - `sdk_exposure_batches`: batch ids of exposure reports already applied, so a retried batch is
 *   counted once.
 */
export class SdkDefinitions1795431700000 implements MigrationInterface {
  name = 'SdkDefinitions1795431700000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE experiments ADD COLUMN allocation_high_water double precision`);
    await queryRunner.query(`
      UPDATE experiments e
         SET allocation_high_water = GREATEST(
               e.traffic_allocation,
               (SELECT max(value::float8)
                  FROM experiment_history h,
                       LATERAL (VALUES (h.changes -> 'trafficAllocation' ->> 'from'), (h.changes -> 'trafficAllocation' ->> 'to')) AS v(value)
                 WHERE h.experiment_id = e.id
                   AND h.action = 'updated'
                   AND h.from_status IN ('running', 'paused')
                   AND jsonb_typeof(h.changes -> 'trafficAllocation') = 'object'
                   AND value IS NOT NULL))
       WHERE e.status <> 'draft'`);
    await queryRunner.query(`
      CREATE FUNCTION experiments_allocation_high_water() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.status = 'running' THEN
          NEW.allocation_high_water := GREATEST(COALESCE(NEW.allocation_high_water, 0), NEW.traffic_allocation);
        END IF;
        RETURN NEW;
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER experiments_allocation_high_water
        BEFORE INSERT OR UPDATE ON experiments
        FOR EACH ROW EXECUTE FUNCTION experiments_allocation_high_water()`);

    await queryRunner.query(`
      CREATE TABLE sdk_exposure_batches (
        batch_id uuid PRIMARY KEY,
        received_at timestamptz NOT NULL DEFAULT now(),
        response jsonb
      )`);
    await queryRunner.query(`CREATE INDEX sdk_exposure_batches_received_idx ON sdk_exposure_batches (received_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE sdk_exposure_batches`);
    await queryRunner.query(`DROP TRIGGER experiments_allocation_high_water ON experiments`);
    await queryRunner.query(`DROP FUNCTION experiments_allocation_high_water()`);
    await queryRunner.query(`ALTER TABLE experiments DROP COLUMN allocation_high_water`);
  }
}
