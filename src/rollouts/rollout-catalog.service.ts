import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { inPercentage } from '../bucketing/assign-variant';
import { NotFoundError } from '../common/errors';
import { isUuid } from '../common/ids';
import { ChangeFeedService } from '../database/change-feed.service';
import { RolloutStore } from './rollout.store';
import { RolloutSnapshot, SERVING_STATUSES } from './rollout.model';

// A safety net only: LISTEN/NOTIFY invalidates entries within milliseconds of a commit. Cache ages are
// measured in real time (Date.now), not with the Clock: they bound staleness, they decide nothing.
const MAX_AGE_MS = 30_000;
// Unknown ids and versions are cached too (so a flood of bad checks cannot reach the database); the bound keeps memory flat.
const MAX_ENTRIES = 50_000;

export interface RolloutDecision {
  useNewModel: boolean;
  percentage: number;
}

export interface CheckResult extends RolloutDecision {
  rolloutId: string;
  modelVersion: string;
  userId: string;
}

interface Entry {
  rollout: RolloutSnapshot | null;
  loadedAt: number;
}

/** `useNewModel` ⇔ the rollout serves the new model and bucket(rollout id, user) < percentage / 100 (§6). */
export function decideForUser(rollout: RolloutSnapshot, userId: string): RolloutDecision {
  const serving = SERVING_STATUSES.includes(rollout.status);
  return { useNewModel: serving && inPercentage(rollout.id, userId, rollout.percentage), percentage: rollout.percentage };
}

/** A check's answer in one object literal (no intermediate decision object spread into it). */
function checkResult(rollout: RolloutSnapshot, userId: string): CheckResult {
  const { useNewModel, percentage } = decideForUser(rollout, userId);
  return { rolloutId: rollout.id, modelVersion: rollout.modelVersion, userId, useNewModel, percentage };
}

/**
 * The rollout hot path: the two check routes and decide's rollouts, answered from memory. Every
 * replica drops what it holds when the change feed says a rollout changed; a hit costs no database
 * round trip.
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
    private readonly store: RolloutStore,
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

  /** GET /rollouts/:id/check */
  async check(id: string, userId: string): Promise<CheckResult> {
    const rollout = await this.findById(id);
    if (!rollout) throw NotFoundError.rollout(id);
    return checkResult(rollout, userId);
  }

  /** GET /rollouts/check/:modelVersion */
  async checkModelVersion(modelVersion: string, userId: string): Promise<CheckResult> {
    const rollout = await this.cached(this.byModelVersion, modelVersion, this.loadByModelVersion);
    if (!rollout) throw new NotFoundError(`No rollout for model version ${modelVersion}`, undefined, undefined, 'ROLLOUT_NOT_FOUND');
    return checkResult(rollout, userId);
  }

  /** `rollouts` of POST /decide: `{ "<modelVersion>": { useNewModel, percentage } }`. */
  async decideAll(userId: string): Promise<Record<string, RolloutDecision>> {
    const result: Record<string, RolloutDecision> = {};
    for (const rollout of await this.listServing()) result[rollout.modelVersion] = decideForUser(rollout, userId);
    return result;
  }

  async findById(id: string): Promise<RolloutSnapshot | null> {
    if (!isUuid(id)) return null;
    return this.cached(this.byId, id.toLowerCase(), this.loadById);
  }

  async findByModelVersion(modelVersion: string): Promise<RolloutSnapshot | null> {
    return this.cached(this.byModelVersion, modelVersion, this.loadByModelVersion);
  }

  /** Per model version the rollout that speaks for it, when that one is running, paused or completed. */
  async listServing(): Promise<RolloutSnapshot[]> {
    if (this.serving && Date.now() - this.serving.loadedAt < MAX_AGE_MS) return this.serving.rollouts;
    const generation = this.generation;
    const rollouts = await this.store.servingSnapshots();
    if (generation === this.generation) this.serving = { rollouts, loadedAt: Date.now() };
    return rollouts;
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

  // Made once, not per request: a hit then allocates nothing.
  private readonly loadById = (key: string) => this.store.snapshotById(key);
  private readonly loadByModelVersion = (key: string) => this.store.snapshotByModelVersion(key);

  /** A fresh cached entry as a plain value (no promise), else the load. */
  private cached(
    map: Map<string, Entry>,
    key: string,
    load: (key: string) => Promise<RolloutSnapshot | null>,
  ): RolloutSnapshot | null | Promise<RolloutSnapshot | null> {
    const hit = map.get(key);
    if (hit && Date.now() - hit.loadedAt < MAX_AGE_MS) return hit.rollout;
    return this.load(map, key, load);
  }

  private async load(
    map: Map<string, Entry>,
    key: string,
    load: (key: string) => Promise<RolloutSnapshot | null>,
  ): Promise<RolloutSnapshot | null> {
    const generation = this.generation;
    const rollout = await load(key);
    if (generation === this.generation) {
      if (map.size >= MAX_ENTRIES) map.clear();
      map.set(key, { rollout, loadedAt: Date.now() });
    }
    return rollout;
  }
}
