import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ChangeFeedService } from '../database/change-feed.service';
import { assignmentKey } from './assignment-decision';

const MiB = 1024 * 1024;
/** Bytes charged per entry besides its strings (UTF-16, 2 bytes a character): the value object, the LRU's slots and links. */
export const ENTRY_OVERHEAD_BYTES = 120;

/** The share of USER_CACHE_MB each per-user structure gets: together they never exceed it. */
export function userCacheBudget(config: Pick<AppConfig, 'userCacheMb'>): { knownAssignmentsBytes: number; exposureBufferBytes: number } {
  const total = config.userCacheMb * MiB;
  return { knownAssignmentsBytes: Math.floor(total / 2), exposureBufferBytes: Math.floor(total / 2) };
}

interface Known {
  variant: string;
  epoch: number;
}

/**
 * Users whose assignment this replica has seen (assign route, decide, SDK exposures share it): one
 * LRU for all experiments, bounded in bytes (half of USER_CACHE_MB), so `/decide` with random ids
 * cannot grow it past the budget however many experiments run. An experiment's change (or a resync
 * of the change feed) drops its entries in O(1): each entry carries the epoch of its experiment.
 */
@Injectable()
export class KnownAssignments implements OnModuleDestroy {
  private readonly cache: LRUCache<string, Known>;
  private readonly epochs = new Map<string, number>();
  private readonly unsubscribe: () => void;

  constructor(@Inject(APP_CONFIG) config: AppConfig, changes: ChangeFeedService) {
    this.cache = new LRUCache<string, Known>({
      maxSize: userCacheBudget(config).knownAssignmentsBytes,
      sizeCalculation: (value, key) => (key.length + value.variant.length) * 2 + ENTRY_OVERHEAD_BYTES,
    });
    // A deleted experiment takes its assignments with it.
    this.unsubscribe = changes.subscribe((change) => {
      if (change === 'resync') this.clear();
      else if (change.entity === 'experiment') this.forgetExperiment(change.id);
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  get(experimentId: string, userId: string): string | undefined {
    const key = assignmentKey(experimentId, userId);
    const known = this.cache.get(key);
    if (known === undefined) return undefined;
    if (known.epoch !== this.epochOf(experimentId)) {
      this.cache.delete(key);
      return undefined;
    }
    return known.variant;
  }

  set(experimentId: string, userId: string, variant: string): void {
    this.cache.set(assignmentKey(experimentId, userId), { variant, epoch: this.epochOf(experimentId) });
  }

  forgetExperiment(experimentId: string): void {
    this.epochs.set(experimentId, (this.epochs.get(experimentId) ?? 0) + 1);
  }

  clear(): void {
    this.cache.clear();
    this.epochs.clear();
  }

  get size(): { entries: number; bytes: number; maxBytes: number } {
    return { entries: this.cache.size, bytes: this.cache.calculatedSize, maxBytes: this.cache.maxSize };
  }

  private epochOf(experimentId: string): number {
    return this.epochs.get(experimentId) ?? 0;
  }
}
