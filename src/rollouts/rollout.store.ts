import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { isUuid } from '../common/ids';
import type { ListRolloutsQuery } from './dto/rollout-actions.dto';
import type { HealthReport, ObservationColumns } from './rollout-health-rules';
import { RolloutHistoryEntity } from './rollout-history.entity';
import { RolloutEntity } from './rollout.entity';
import type { HistoryEntry, RolloutPatch, RolloutRecord, RolloutSnapshot, RolloutStatus, WindowHealth } from './rollout.model';

/**
 * Every SQL statement and repository call of the rollout feature: the rollouts and their history
 * (through their entities), the health window the scheduler judges, the set-based writes of the
 * client routes, the due scan, the row locks and the hot path's loads. Methods that take `tx` run in
 * the caller's transaction (WriteAndPublish); the others run on their own.
 *
 * Row locks are `FOR NO KEY UPDATE`: they serialise the writers of one rollout (commands, the
 * scheduler) without blocking the foreign-key checks of health reports, observations and history
 * rows inserted meanwhile (`FOR UPDATE` would make every client report wait for a tick).
 */

/**
 * Reports and raw observations received since the stage started. Each observation is one request;
 * `correct` null means unlabeled. Latency: p95 over observed latencies (percentile_cont) and the
 * largest reported p95; GREATEST takes the worse one when both exist and ignores a missing one.
 * Sums of bigint are numeric in PostgreSQL (no overflow); as float8 they stay exact up to 2^53, which
 * takes more than nine million reports at the per-report maximum (1e9) in one stage. Counts are
 * float8 too: `::int` would fail the tick past 2^31 observations.
 */
const WINDOW_HEALTH_SQL = `
  WITH reported AS (
    SELECT count(*)::float8 AS reports,
           coalesce(sum(requests), 0)::float8 AS requests,
           coalesce(sum(errors), 0)::float8 AS errors,
           coalesce(sum(labeled), 0)::float8 AS labeled,
           coalesce(sum(correct), 0)::float8 AS correct,
           max(latency_p95_ms) AS p95
      FROM rollout_health_reports
     WHERE rollout_id = $1 AND received_at >= $2
  ), observed AS (
    SELECT count(*)::float8 AS observations,
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

const SNAPSHOT_COLUMNS = 'id, name, model_version, status, percentage';
/**
 * Which rollout speaks for a model version when several exist (only one can be unfinished):
 * the running or paused one; else the most recently changed finished one (completed or rolled back);
 * else a draft or scheduled one. A new draft never hides a completed rollout of the same version.
 */
const PRECEDENCE = `CASE WHEN status IN ('running', 'paused') THEN 0 WHEN status IN ('completed', 'rolled_back') THEN 1 ELSE 2 END, updated_at DESC, id`;

interface SnapshotRow {
  id: string;
  name: string;
  model_version: string;
  status: RolloutStatus;
  percentage: string;
}

function toSnapshot(row: SnapshotRow): RolloutSnapshot {
  return { id: row.id, name: row.name, modelVersion: row.model_version, status: row.status, percentage: Number(row.percentage) };
}

@Injectable()
export class RolloutStore {
  constructor(
    @InjectRepository(RolloutEntity) private readonly rollouts: Repository<RolloutEntity>,
    @InjectRepository(RolloutHistoryEntity) private readonly history: Repository<RolloutHistoryEntity>,
  ) {}

  // --- rollouts and their history

  /** The rollout, or null for an unknown or malformed id; `lock` takes its row lock until the transaction ends. */
  async find(id: string, options: { tx?: EntityManager; lock?: boolean } = {}): Promise<RolloutEntity | null> {
    if (!isUuid(id)) return null;
    return this.repo(options.tx).findOne({
      where: { id: id.toLowerCase() },
      ...(options.lock ? { lock: { mode: 'for_no_key_update' as const } } : {}),
    });
  }

  async page(query: ListRolloutsQuery): Promise<{ items: RolloutEntity[]; total: number; limit: number; offset: number }> {
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    const where: Partial<Pick<RolloutEntity, 'status' | 'modelVersion'>> = {};
    if (query.status) where.status = query.status;
    if (query.modelVersion) where.modelVersion = query.modelVersion;
    const [items, total] = await this.rollouts.findAndCount({ where, order: { createdAt: 'DESC', id: 'DESC' }, take: limit, skip: offset });
    return { items, total, limit, offset };
  }

  async insert(tx: EntityManager, record: RolloutRecord): Promise<RolloutEntity> {
    const repo = this.repo(tx);
    return repo.save(repo.create(record));
  }

  /** Writes the changed columns in one UPDATE; an empty patch writes nothing. */
  async update(tx: EntityManager, id: string, patch: RolloutPatch): Promise<void> {
    if (Object.keys(patch).length === 0) return;
    await this.repo(tx).update({ id }, patch as QueryDeepPartialEntity<RolloutEntity>);
  }

  async delete(tx: EntityManager, id: string): Promise<void> {
    await this.repo(tx).delete({ id });
  }

  async appendHistory(tx: EntityManager, rolloutId: string, entries: readonly HistoryEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await tx.withRepository(this.history).insert(entries.map((entry) => ({ ...entry, rolloutId })));
  }

  async historyOf(rolloutId: string): Promise<RolloutHistoryEntity[]> {
    return this.history.find({ where: { rolloutId }, order: { at: 'ASC', id: 'ASC' } });
  }

  /** An unfinished rollout of `modelVersion` other than `exceptId`, for the friendly 409 (the partial unique index catches the race). */
  async versionHolder(
    tx: EntityManager,
    modelVersion: string,
    exceptId: string | null,
  ): Promise<{ id: string; name: string; status: string } | null> {
    const rows: Array<{ id: string; name: string; status: string }> = await tx.query(
      `SELECT id, name, status FROM rollouts
        WHERE model_version = $1 AND status IN ('draft', 'scheduled', 'running', 'paused') AND ($2::uuid IS NULL OR id <> $2::uuid)
        LIMIT 1`,
      [modelVersion, exceptId],
    );
    return rows[0] ?? null;
  }

  // --- the scheduler

  /** Rollouts the scheduler may have to act on: running ones, and scheduled ones whose time has come. */
  async dueIds(now: Date): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.rollouts.query(
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
  async lockDue(tx: EntityManager, id: string): Promise<RolloutEntity | null> {
    return this.repo(tx)
      .createQueryBuilder('r')
      .where('r.id = :id', { id })
      .andWhere(`r.status IN ('scheduled', 'running')`)
      .setLock('for_no_key_update')
      .setOnLocked('skip_locked')
      .getOne();
  }

  async windowHealth(tx: EntityManager, rolloutId: string, since: Date): Promise<WindowHealth> {
    const [row] = (await tx.query(WINDOW_HEALTH_SQL, [rolloutId, since])) as Array<{
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

  /** Whether `held` was already recorded for this stage since it started (recorded once per stage). */
  async heldThisStage(tx: EntityManager, rolloutId: string, stage: number, since: Date): Promise<boolean> {
    return tx
      .withRepository(this.history)
      .createQueryBuilder('h')
      .where(`h.rolloutId = :rolloutId AND h.action = 'held' AND h.stage = :stage AND h.at >= :since`, { rolloutId, stage, since })
      .getExists();
  }

  // --- health data (client routes): one statement each, stamped with the caller's clock

  async insertHealthReport(rolloutId: string, report: HealthReport, receivedAt: Date): Promise<string> {
    const [row] = (await this.rollouts.query(
      `INSERT INTO rollout_health_reports
         (rollout_id, received_at, requests, errors, latency_p95_ms, labeled, correct, window_start, window_end)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id::text`,
      [
        rolloutId,
        receivedAt,
        report.requests,
        report.errors,
        report.latencyP95Ms,
        report.labeled,
        report.correct,
        report.windowStart,
        report.windowEnd,
      ],
    )) as Array<{ id: string }>;
    return row.id;
  }

  /** One statement for up to 10,000 observations: three arrays unnested side by side. */
  async insertObservations(rolloutId: string, columns: ObservationColumns, receivedAt: Date): Promise<number> {
    const [row] = (await this.rollouts.query(
      `WITH inserted AS (
         INSERT INTO rollout_observations (rollout_id, received_at, latency_ms, error, correct)
         SELECT $1, $2, latency_ms, error, correct
           FROM unnest($3::float8[], $4::boolean[], $5::boolean[]) AS o(latency_ms, error, correct)
         RETURNING 1
       )
       SELECT count(*)::int AS inserted FROM inserted`,
      [rolloutId, receivedAt, columns.latencyMs, columns.error, columns.correct],
    )) as Array<{ inserted: number }>;
    return row.inserted;
  }

  // --- the hot path's loads (RolloutCatalogService caches them)

  async snapshotById(id: string): Promise<RolloutSnapshot | null> {
    const rows: SnapshotRow[] = await this.rollouts.query(`SELECT ${SNAPSHOT_COLUMNS} FROM rollouts WHERE id = $1`, [id]);
    return rows.length > 0 ? toSnapshot(rows[0]) : null;
  }

  async snapshotByModelVersion(modelVersion: string): Promise<RolloutSnapshot | null> {
    const rows: SnapshotRow[] = await this.rollouts.query(
      `SELECT ${SNAPSHOT_COLUMNS} FROM rollouts WHERE model_version = $1 ORDER BY ${PRECEDENCE} LIMIT 1`,
      [modelVersion],
    );
    return rows.length > 0 ? toSnapshot(rows[0]) : null;
  }

  /** Per model version the rollout that speaks for it, when that one is running, paused or completed. */
  async servingSnapshots(): Promise<RolloutSnapshot[]> {
    const rows: SnapshotRow[] = await this.rollouts.query(
      `SELECT * FROM (SELECT DISTINCT ON (model_version) ${SNAPSHOT_COLUMNS} FROM rollouts ORDER BY model_version, ${PRECEDENCE}) AS chosen
        WHERE status IN ('running', 'paused', 'completed') ORDER BY model_version`,
    );
    return rows.map(toSnapshot);
  }

  private repo(tx?: EntityManager): Repository<RolloutEntity> {
    return tx ? tx.withRepository(this.rollouts) : this.rollouts;
  }
}
