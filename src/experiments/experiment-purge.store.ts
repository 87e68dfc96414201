import type { DataSource } from 'typeorm';

/** The big per-experiment tables, children first (none references another, so any order works). */
const PURGED_TABLES = ['events', 'event_user_totals', 'assignments'] as const;
export const PURGE_BATCH_ROWS = 5000;

/**
 * Deletes an experiment's rows in short statements of PURGE_BATCH_ROWS each (each its own implicit
 * transaction), so deleting a 10M-event experiment never holds a lock on its experiment row for
 * minutes: the shared insert statements of other experiments (which take KEY SHARE locks on every
 * experiment row they reference) are never stalled behind it. Returns the rows deleted.
 */
export async function purgeExperimentRows(dataSource: DataSource, experimentId: string, batchRows = PURGE_BATCH_ROWS): Promise<number> {
  let total = 0;
  for (const table of PURGED_TABLES) {
    for (;;) {
      const [, deleted] = (await dataSource.query(
        `DELETE FROM ${table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${table} WHERE experiment_id = $1 LIMIT $2))`,
        [experimentId, batchRows],
      )) as [unknown, number];
      total += deleted;
      if (deleted < batchRows) break;
    }
  }
  return total;
}
