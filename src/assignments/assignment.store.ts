import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * One statement for a whole batch of users (see MicroBatcher): enrol where wanted ($1–$3: experiment,
 * user, variant), and read what already exists ($4–$5: experiment, user). Also the SDK's exposure
 * reports' write (src/sdk/sdk.store.ts), so both paths enrol the same way.
 */
export const ASSIGN_BATCH_SQL = `
  WITH inserted AS (
    INSERT INTO assignments (experiment_id, user_id, variant)
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[])
    ON CONFLICT (experiment_id, user_id) DO NOTHING
    RETURNING experiment_id, user_id, variant
  )
  SELECT experiment_id, user_id, variant, true AS inserted FROM inserted
  UNION ALL
  SELECT a.experiment_id, a.user_id, a.variant, false AS inserted
    FROM unnest($4::uuid[], $5::text[]) AS wanted(experiment_id, user_id)
    JOIN assignments a USING (experiment_id, user_id)`;

const ASSIGN_BATCH_STATEMENT = 'assign-batch';

const ADD_EXPOSURES_SQL = `
  UPDATE assignments a
     SET exposures = a.exposures + v.n,
         last_exposed_at = GREATEST(a.last_exposed_at, to_timestamp(v.at_ms / 1000))
    FROM unnest($1::uuid[], $2::text[], $3::int[], $4::float8[]) AS v(experiment_id, user_id, n, at_ms)
   WHERE a.experiment_id = v.experiment_id AND a.user_id = v.user_id`;

export interface AssignBatchRow {
  experiment_id: string;
  user_id: string;
  variant: string;
  inserted: boolean;
}

export interface ExposureCount {
  experimentId: string;
  userId: string;
  count: number;
  /** Epoch milliseconds of the latest exposure. */
  lastAt: number;
}

/** Every query of the assignments feature: the batched enrol-or-read and the buffered exposure counts. */
@Injectable()
export class AssignmentStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Enrols `enrol` (experiment, user, variant columns) where new and reads `lookup` (experiment, user columns), in one statement. */
  async assignBatch(enrol: [string[], string[], string[]], lookup: [string[], string[]]): Promise<AssignBatchRow[]> {
    // A named statement through the driver's pg pool (TypeORM's query() cannot name one): PostgreSQL
    // parses and plans it once per connection instead of once per batch, and the query runner TypeORM
    // sets up per call is skipped. Errors are pg's own (same SQLSTATE codes). Decision 050.
    const pool = (this.dataSource.driver as PostgresDriver).master as Pool;
    const result = await pool.query<AssignBatchRow>({
      name: ASSIGN_BATCH_STATEMENT,
      text: ASSIGN_BATCH_SQL,
      values: [...enrol, ...lookup],
    });
    return result.rows;
  }

  /** Adds buffered exposure counts to their assignments, in one set-based UPDATE. */
  async addExposures(rows: readonly ExposureCount[]): Promise<void> {
    await this.dataSource.query(ADD_EXPOSURES_SQL, [
      rows.map((r) => r.experimentId),
      rows.map((r) => r.userId),
      rows.map((r) => r.count),
      rows.map((r) => r.lastAt),
    ]);
  }
}
