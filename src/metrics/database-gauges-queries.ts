import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

const STATUS_SQL = `SELECT status, count(*)::int AS n FROM experiments GROUP BY status`;

// Live rollouts, plus those that ended in the last day so the graph shows the final step to 0 or 100.
const ROLLOUT_SQL = `
  SELECT name, model_version, percentage::float8 AS percentage
    FROM rollouts
   WHERE status IN ('scheduled', 'running', 'paused') OR updated_at > now() - interval '1 day'`;

// One row per variant of each running/paused experiment, zero included; the count is an
// index-only scan of assignments_experiment_variant_idx.
const SAMPLE_SQL = `
  SELECT e.key, v.value->>'name' AS variant, e.minimum_sample_size AS minimum,
         (SELECT count(*) FROM assignments a WHERE a.experiment_id = e.id AND a.variant = v.value->>'name')::bigint AS users
    FROM experiments e, jsonb_array_elements(e.variants) v
   WHERE e.status IN ('running', 'paused')`;

/** The queries behind the database gauges of /metrics (DatabaseGaugesService). */
@Injectable()
export class DatabaseGaugesQueries {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  experimentsByStatus(): Promise<Array<{ status: string; n: number }>> {
    return this.dataSource.query(STATUS_SQL);
  }

  rolloutPercentages(): Promise<Array<{ name: string; model_version: string; percentage: number }>> {
    return this.dataSource.query(ROLLOUT_SQL);
  }

  usersPerVariant(): Promise<Array<{ key: string; variant: string; minimum: number; users: string }>> {
    return this.dataSource.query(SAMPLE_SQL);
  }
}
