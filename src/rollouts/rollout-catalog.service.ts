import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { inPercentage } from '../bucketing/assign-variant';
import { ChangeFeedService } from '../database/change-feed.service';
import { isUuid } from '../common/ids';
import { RolloutStatus, SERVING_STATUSES } from './rollout.model';

// A safety net only: LISTEN/NOTIFY invalidates entries within milliseconds of a commit.
const MAX_AGE_MS = 30_000;
// Unknown ids and versions are cached too (so a flood of bad checks cannot reach the database); the bound keeps memory flat.
const MAX_ENTRIES = 50_000;

/** What a check needs, nothing more. */
export interface RolloutSnapshot {
  id: string;
  name: string;
  modelVersion: string;
  status: RolloutStatus;
  percentage: number;
}

export interface RolloutDecision {
  useNewModel: boolean;
  percentage: number;
}

interface Entry {
  rollout: RolloutSnapshot | null;
  loadedAt: number;
}

interface Row {
  id: string;
  name: string;
  model_version: string;
  status: RolloutStatus;
  percentage: string;
}

const COLUMNS = 'id, name, model_version, status, percentage';
/**
 * Which rollout speaks for a model version when several exist (only one can be unfinished):
 * the running or paused one; else the most recently changed finished one (completed or rolled back);
 * else a draft or scheduled one. A new draft never hides a completed rollout of the same version.
 */
const PRECEDENCE = `CASE WHEN status IN ('running', 'paused') THEN 0 WHEN status IN ('completed', 'rolled_back') THEN 1 ELSE 2 END, updated_at DESC, id`;

function toSnapshot(row: Row): RolloutSnapshot {
  return { id: row.id, name: row.name, modelVersion: row.model_version, status: row.status, percentage: Number(row.percentage) };
}

/** `useNewModel` ⇔ the rollout serves the new model and bucket(rollout id, user) < percentage / 100 (§6). */
export function decideForUser(rollout: RolloutSnapshot, userId: string): RolloutDecision {
  const serving = SERVING_STATUSES.includes(rollout.status);
  return { useNewModel: serving && inPercentage(rollout.id, userId, rollout.percentage), percentage: rollout.percentage };
}

/**
 * Rollouts for the hot paths (the two check routes and decide), served from memory. Every replica
 * drops what it holds when the change feed says a rollout changed; a hit costs no database round trip.
 */
@Injectable()
export class RolloutCatalogService implements OnModuleDestroy {
  private readonly byId = new Map<string, Entry>();
  private readonly byModelVersion = new Map<string, Entry>();
  private serving: { rollouts: RolloutSnapshot[]; loadedAt: number } | null = null;
  // Bumped on each invalidation, so a load that raced with a change is not cached.
  private generation = 0;
  private readonly unsubscribe: () => void;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    changes: ChangeFeedService,
  ) {
    this.unsubscribe = changes.subscribe((change) => {
      if (change === 'resync') this.clear();
      else if (change.entity === 'rollout') this.invalidate(change.id);
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  async findById(id: string): Promise<RolloutSnapshot | null> {
    if (!isUuid(id)) return null;
    const key = id.toLowerCase();
    return this.cached(this.byId, key, async () => {
      const rows: Row[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM rollouts WHERE id = $1`, [key]);
      return rows.length > 0 ? toSnapshot(rows[0]) : null;
    });
  }

  async findByModelVersion(modelVersion: string): Promise<RolloutSnapshot | null> {
    return this.cached(this.byModelVersion, modelVersion, async () => {
      const rows: Row[] = await this.dataSource.query(
        `SELECT ${COLUMNS} FROM rollouts WHERE model_version = $1 ORDER BY ${PRECEDENCE} LIMIT 1`,
        [modelVersion],
      );
      return rows.length > 0 ? toSnapshot(rows[0]) : null;
    });
  }

  /** For decide: per model version the rollout that speaks for it, when that one is running, paused or completed. */
  async listServing(): Promise<RolloutSnapshot[]> {
    if (this.serving && Date.now() - this.serving.loadedAt < MAX_AGE_MS) return this.serving.rollouts;
    const generation = this.generation;
    const rows: Row[] = await this.dataSource.query(
      `SELECT * FROM (SELECT DISTINCT ON (model_version) ${COLUMNS} FROM rollouts ORDER BY model_version, ${PRECEDENCE}) AS chosen
        WHERE status IN ('running', 'paused', 'completed') ORDER BY model_version`,
    );
    const rollouts = rows.map(toSnapshot);
    if (generation === this.generation) this.serving = { rollouts, loadedAt: Date.now() };
    return rollouts;
  }

  /** `rollouts` of POST /decide: `{ "<modelVersion>": { useNewModel, percentage } }`. */
  async decideAll(userId: string): Promise<Record<string, RolloutDecision>> {
    const result: Record<string, RolloutDecision> = {};
    for (const rollout of await this.listServing()) result[rollout.modelVersion] = decideForUser(rollout, userId);
    return result;
  }

  invalidate(id: string): void {
    this.generation++;
    this.byId.delete(id);
    // The version a rollout speaks for can change with any rollout of that version: drop them all (changes are rare).
    this.byModelVersion.clear();
    this.serving = null;
  }

  clear(): void {
    this.generation++;
    this.byId.clear();
    this.byModelVersion.clear();
    this.serving = null;
  }

  private async cached(map: Map<string, Entry>, key: string, load: () => Promise<RolloutSnapshot | null>): Promise<RolloutSnapshot | null> {
    const hit = map.get(key);
    if (hit && Date.now() - hit.loadedAt < MAX_AGE_MS) return hit.rollout;
    const generation = this.generation;
    const rollout = await load();
    if (generation === this.generation) {
      if (map.size >= MAX_ENTRIES) map.clear();
      map.set(key, { rollout, loadedAt: Date.now() });
    }
    return rollout;
  }
}
