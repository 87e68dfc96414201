import type { EntityManager } from 'typeorm';

/** The queries of the scheduled analysis (table experiment_analysis), in one place. */

export interface AnalysisState {
  experimentId: string;
  nextDueAt: Date;
  lastRunAt: Date | null;
  srmFailing: boolean;
  guardrailFailing: boolean;
  headline: string | null;
}

interface StateRow {
  experiment_id: string;
  next_due_at: Date;
  last_run_at: Date | null;
  srm_failing: boolean;
  guardrail_failing: boolean;
  headline: string | null;
}

const toState = (r: StateRow): AnalysisState => ({
  experimentId: r.experiment_id,
  nextDueAt: new Date(r.next_due_at),
  lastRunAt: r.last_run_at === null ? null : new Date(r.last_run_at),
  srmFailing: r.srm_failing,
  guardrailFailing: r.guardrail_failing,
  headline: r.headline,
});

/** Every running experiment gets a state row, due at once (a new one is analysed on the next tick). */
export async function enrolRunningExperiments(manager: EntityManager, now: Date): Promise<void> {
  await manager.query(
    `INSERT INTO experiment_analysis (experiment_id, next_due_at)
     SELECT id, $1 FROM experiments WHERE status = 'running'
     ON CONFLICT (experiment_id) DO NOTHING`,
    [now],
  );
}

/** Running experiments whose analysis is due, oldest first. */
export async function dueExperimentIds(manager: EntityManager, now: Date, limit: number): Promise<string[]> {
  const rows: { experiment_id: string }[] = await manager.query(
    `SELECT a.experiment_id FROM experiment_analysis a JOIN experiments e ON e.id = a.experiment_id
      WHERE e.status = 'running' AND a.next_due_at <= $1
      ORDER BY a.next_due_at, a.experiment_id
      LIMIT $2`,
    [now, limit],
  );
  return rows.map((r) => r.experiment_id);
}

/**
 * Claims one experiment's analysis for this transaction: its state row, locked, if it is still due.
 * `null` when another replica holds it (SKIP LOCKED) or already analysed it this period. The lock is
 * on experiment_analysis only; NO KEY UPDATE, as nothing references its key.
 */
export async function claimDue(manager: EntityManager, experimentId: string, now: Date): Promise<AnalysisState | null> {
  const rows: StateRow[] = await manager.query(
    `SELECT experiment_id, next_due_at, last_run_at, srm_failing, guardrail_failing, headline
       FROM experiment_analysis
      WHERE experiment_id = $1 AND next_due_at <= $2
      FOR NO KEY UPDATE SKIP LOCKED`,
    [experimentId, now],
  );
  return rows.length === 0 ? null : toState(rows[0]);
}

export async function saveState(manager: EntityManager, state: AnalysisState): Promise<void> {
  await manager.query(
    `UPDATE experiment_analysis
        SET next_due_at = $2, last_run_at = $3, srm_failing = $4, guardrail_failing = $5, headline = $6
      WHERE experiment_id = $1`,
    [state.experimentId, state.nextDueAt, state.lastRunAt, state.srmFailing, state.guardrailFailing, state.headline],
  );
}
