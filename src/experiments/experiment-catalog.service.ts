import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { ChangeFeedService } from '../database/change-feed.service';
import { ExperimentStore } from './experiment.store';
import type { Experiment } from './experiment.model';

// A safety net only: LISTEN/NOTIFY invalidates entries within milliseconds of a commit.
const MAX_AGE_MS = 30_000;

interface Entry {
  experiment: Experiment;
  loadedAt: number;
}

/**
 * Experiments for the hot paths (assign, track, decide), served from memory. Every replica drops
 * an entry when the change feed says that experiment changed, so a change made anywhere is seen
 * everywhere within one NOTIFY round trip.
 */
@Injectable()
export class ExperimentCatalogService implements OnModuleDestroy {
  private readonly byIdOrKey = new Map<string, Entry>();
  private running: { experiments: Experiment[]; loadedAt: number } | null = null;
  // Bumped on each invalidation, so a load that raced with a change is not cached.
  private generation = 0;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: ExperimentStore,
    changes: ChangeFeedService,
  ) {
    this.unsubscribe = changes.subscribe((change) => {
      if (change === 'resync') this.clear();
      else if (change.entity === 'experiment') this.invalidate(change.id);
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  /** The experiment when it is in memory and fresh, without a promise (the hot path's common case); else undefined. */
  findCached(idOrKey: string): Experiment | undefined {
    const cached = this.byIdOrKey.get(idOrKey);
    return cached && Date.now() - cached.loadedAt < MAX_AGE_MS ? cached.experiment : undefined;
  }

  async find(idOrKey: string): Promise<Experiment | null> {
    const cached = this.findCached(idOrKey);
    if (cached) return cached;
    const generation = this.generation;
    const experiment = await this.store.find(idOrKey);
    if (experiment && generation === this.generation) {
      const entry = { experiment, loadedAt: Date.now() };
      this.byIdOrKey.set(experiment.id, entry);
      this.byIdOrKey.set(experiment.key, entry);
    }
    return experiment;
  }

  /** Many references at once: cached ones from memory, all the others with ONE query. */
  async findMany(refs: readonly string[]): Promise<Map<string, Experiment>> {
    const found = new Map<string, Experiment>();
    const missing: string[] = [];
    const now = Date.now();
    for (const ref of new Set(refs)) {
      const cached = this.byIdOrKey.get(ref);
      if (cached && now - cached.loadedAt < MAX_AGE_MS) found.set(ref, cached.experiment);
      else missing.push(ref);
    }
    if (missing.length === 0) return found;
    const generation = this.generation;
    const loaded = await this.store.findMany(missing);
    for (const [ref, experiment] of loaded) {
      found.set(ref, experiment);
      if (generation === this.generation) {
        const entry = { experiment, loadedAt: Date.now() };
        this.byIdOrKey.set(experiment.id, entry);
        this.byIdOrKey.set(experiment.key, entry);
      }
    }
    return found;
  }

  async listRunning(): Promise<Experiment[]> {
    if (this.running && Date.now() - this.running.loadedAt < MAX_AGE_MS) return this.running.experiments;
    const generation = this.generation;
    const experiments = await this.store.running();
    if (generation === this.generation) this.running = { experiments, loadedAt: Date.now() };
    return experiments;
  }

  invalidate(id: string): void {
    this.generation++;
    const entry = this.byIdOrKey.get(id);
    this.byIdOrKey.delete(id);
    if (entry) this.byIdOrKey.delete(entry.experiment.key);
    this.running = null;
  }

  clear(): void {
    this.generation++;
    this.byIdOrKey.clear();
    this.running = null;
  }
}
