import { EntityManager } from 'typeorm';
import type { Actor } from '../common/auth/access.decorator';
import { RolloutEntity } from './rollout.entity';
import type { HealthWindow, RolloutAction } from './rollout.model';

/**
 * The rollout feature's SQL in one place: the health window the scheduler judges, the set-based
 * writes of the client routes, the due scan and the row lock.
 */

/**
 * Reports and raw observations received since the stage started. Each observation is one request;
 * `correct` null means unlabeled. Latency: p95 over observed latencies (percentile_cont) and the
 * largest reported p95; GREATEST takes the worse one when both exist and ignores a missing one.
 */
const WINDOW_HEALTH_SQL = `
  WITH reported AS (
    SELECT count(*)::int AS reports,
           coalesce(sum(requests), 0)::float8 AS requests,
           coalesce(sum(errors), 0)::float8 AS errors,
           coalesce(sum(labeled), 0)::float8 AS labeled,
           coalesce(sum(correct), 0)::float8 AS correct,
           max(latency_p95_ms) AS p95
      FROM rollout_health_reports
     WHERE rollout_id = $1 AND received_at >= $2
  ), observed AS (
    SELECT count(*)::int AS observations,
           count(*) FILTER (WHERE error)::float8 AS errors,
           count(correct)::float8 AS labeled,
           count(*) FILTER (WHERE correct)::float8 AS correct,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95
      FROM rollout_observations
     WHERE rollout_id = $1 AND received_at >= $2
  )
  SELECT r.reports, o.observations,
         r.requests + o.observations AS requests,
         r.errors + o.errors AS errors,
         r.labeled + o.labeled AS labeled,
         r.correct + o.correct AS correct,
         GREATEST(r.p95, o.p95) AS latency_p95_ms
    FROM reported r CROSS JOIN observed o`;

export interface WindowHealth extends HealthWindow {
  reports: number;
  observations: number;
}

export async function windowHealth(manager: EntityManager, rolloutId: string, since: Date): Promise<WindowHealth> {
  const [row] = (await manager.query(WINDOW_HEALTH_SQL, [rolloutId, since])) as Array<{
    reports: number;
    observations: number;
    requests: number;
    errors: number;
    labeled: number;
    correct: number;
    latency_p95_ms: number | null;
  }>;
  return {
    reports: row.reports,
    observations: row.observations,
    requests: row.requests,
    errors: row.errors,
    labeled: row.labeled,
    correct: row.correct,
    latencyP95Ms: row.latency_p95_ms,
  };
}

/** Rollouts the scheduler may have to act on: running ones, and scheduled ones whose time has come. */
export async function dueRolloutIds(manager: EntityManager, now: Date): Promise<string[]> {
  const rows: Array<{ id: string }> = await manager.query(
    `SELECT id FROM rollouts
      WHERE status = 'running' OR (status = 'scheduled' AND (start_time IS NULL OR start_time <= $1))
      ORDER BY updated_at, id`,
    [now],
  );
  return rows.map((row) => row.id);
}

/**
 * Locks one rollout for this tick, or returns null when another replica holds it (SKIP LOCKED) or
 * it is no longer due; the status is read after the lock, so a change committed meanwhile is seen.
 */
export async function lockDueRollout(manager: EntityManager, id: string): Promise<RolloutEntity | null> {
  return manager
    .createQueryBuilder(RolloutEntity, 'r')
    .where('r.id = :id', { id })
    .andWhere(`r.status IN ('scheduled', 'running')`)
    .setLock('pessimistic_write')
    .setOnLocked('skip_locked')
    .getOne();
}

export interface HistoryRow {
  action: RolloutAction;
  fromPercentage?: number | null;
  toPercentage?: number | null;
  stage?: number | null;
  reason?: string | null;
  health?: object | null;
  actor: Actor;
}

export async function recordHistory(manager: EntityManager, rolloutId: string, row: HistoryRow): Promise<void> {
  await manager.query(
    `INSERT INTO rollout_history (rollout_id, action, from_percentage, to_percentage, stage, reason, health, actor)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      rolloutId,
      row.action,
      row.fromPercentage ?? null,
      row.toPercentage ?? null,
      row.stage ?? null,
      row.reason ?? null,
      row.health ? JSON.stringify(row.health) : null,
      row.actor,
    ],
  );
}

/** Whether `held` was already recorded for this stage since it started (recorded once per stage). */
export async function heldThisStage(manager: EntityManager, rolloutId: string, stage: number, since: Date): Promise<boolean> {
  const rows: unknown[] = await manager.query(
    `SELECT 1 FROM rollout_history WHERE rollout_id = $1 AND action = 'held' AND stage = $2 AND at >= $3 LIMIT 1`,
    [rolloutId, stage, since],
  );
  return rows.length > 0;
}

export interface HealthReportRow {
  requests: number;
  errors: number;
  latencyP95Ms: number | null;
  labeled: number;
  correct: number;
  windowStart: Date | null;
  windowEnd: Date | null;
}

export async function insertHealthReport(manager: EntityManager, rolloutId: string, report: HealthReportRow): Promise<string> {
  const [row] = (await manager.query(
    `INSERT INTO rollout_health_reports (rollout_id, requests, errors, latency_p95_ms, labeled, correct, window_start, window_end)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id::text, received_at`,
    [rolloutId, report.requests, report.errors, report.latencyP95Ms, report.labeled, report.correct, report.windowStart, report.windowEnd],
  )) as Array<{ id: string }>;
  return row.id;
}

export interface ObservationColumns {
  latencyMs: Array<number | null>;
  error: boolean[];
  correct: Array<boolean | null>;
}

/** One statement for up to 10,000 observations: three arrays unnested side by side. */
export async function insertObservations(manager: EntityManager, rolloutId: string, columns: ObservationColumns): Promise<number> {
  const [row] = (await manager.query(
    `WITH inserted AS (
       INSERT INTO rollout_observations (rollout_id, latency_ms, error, correct)
       SELECT $1, latency_ms, error, correct
         FROM unnest($2::float8[], $3::boolean[], $4::boolean[]) AS o(latency_ms, error, correct)
       RETURNING 1
     )
     SELECT count(*)::int AS inserted FROM inserted`,
    [rolloutId, columns.latencyMs, columns.error, columns.correct],
  )) as Array<{ inserted: number }>;
  return row.inserted;
}
