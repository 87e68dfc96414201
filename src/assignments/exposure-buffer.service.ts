import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { assignmentKey } from './assignment-decision';
import { AssignmentStore } from './assignment.store';
import { userCacheBudget } from './known-assignments';

const FLUSH_INTERVAL_MS = 1000;
const MAX_ROWS_PER_STATEMENT = 5000;
/** Bytes charged per pending key besides the key's characters: the entry object and the map's slot. */
const PENDING_OVERHEAD_BYTES = 150;

interface Pending {
  experimentId: string;
  userId: string;
  count: number;
  /** Epoch milliseconds: a number per record instead of a Date, sent as float8 and converted in SQL. */
  lastAt: number;
}

/**
 * Exposure counts of sticky answers, added up in memory and written once a second with one
 * set-based UPDATE, so a sticky assign costs no write on the request path. New assignments are
 * inserted with exposures = 1 synchronously. Flushed on shutdown; a crash loses at most the last
 * second of exposure counts (never an assignment).
 */
@Injectable()
export class ExposureBufferService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ExposureBufferService.name);
  private pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private dropped = 0;
  private pendingBytes = 0;
  /** Half of USER_CACHE_MB (known-assignments.ts): beyond it, increments for new keys are dropped and counted. */
  readonly maxBytes: number;

  constructor(
    private readonly store: AssignmentStore,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.maxBytes = userCacheBudget(config).exposureBufferBytes;
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush().catch(() => undefined), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush().catch((error: Error) => this.logger.error(`final exposure flush failed: ${error.message}`));
  }

  /** `count` answers served (the SDK reports several at once), the last at `at` (epoch ms). */
  record(experimentId: string, userId: string, count = 1, at = Date.now()): void {
    const key = assignmentKey(experimentId, userId);
    const entry = this.pending.get(key);
    if (entry) {
      entry.count += count;
      entry.lastAt = Math.max(entry.lastAt, at);
    } else if (this.pendingBytes + key.length * 2 + PENDING_OVERHEAD_BYTES <= this.maxBytes) {
      this.pending.set(key, { experimentId, userId, count, lastAt: at });
      this.pendingBytes += key.length * 2 + PENDING_OVERHEAD_BYTES;
    } else {
      this.dropped++;
    }
  }

  /** Pending keys and the bytes charged for them (at most maxBytes). */
  get size(): { keys: number; bytes: number } {
    return { keys: this.pending.size, bytes: this.pendingBytes };
  }

  /** Writes everything recorded so far; callers that read exposures call this first. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.size === 0) return;
    this.flushing = this.write().finally(() => {
      this.flushing = null;
    });
    await this.flushing;
  }

  private async write(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    this.pendingBytes = 0;
    // A stable order keeps concurrent flushes from several replicas free of deadlocks; the keys'
    // native string order is (experiment, user) order (see assignmentKey).
    const rows = [...batch.keys()].sort().map((key) => batch.get(key)!);
    try {
      for (let i = 0; i < rows.length; i += MAX_ROWS_PER_STATEMENT) {
        const chunk = rows.slice(i, i + MAX_ROWS_PER_STATEMENT);
        await this.store.addExposures(chunk);
        for (const row of chunk) batch.delete(assignmentKey(row.experimentId, row.userId));
      }
    } catch (error) {
      // Put back what was not written; the next flush retries it.
      for (const [key, row] of batch) {
        const newer = this.pending.get(key);
        if (newer) {
          newer.count += row.count;
        } else {
          this.pending.set(key, row);
          this.pendingBytes += key.length * 2 + PENDING_OVERHEAD_BYTES;
        }
      }
      throw error;
    }
    if (this.dropped > 0) {
      this.logger.warn(`${this.dropped} exposure increments dropped while the database was unavailable`);
      this.dropped = 0;
    }
  }
}
