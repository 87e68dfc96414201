import { Injectable, Logger } from '@nestjs/common';
import { EXPERIMENT_STATUSES } from '../experiments/experiment.model';
import { DatabaseGaugesQueries } from './database-gauges-queries';
import { MetricsService } from './metrics.service';

// A scrape must answer even while PostgreSQL is slow or gone: the gauges then keep their last values.
const QUERY_TIMEOUT_MS = 1000;
// Counting users per variant reads an index; once every 30 s is plenty for a progress panel.
const SAMPLE_REFRESH_MS = 30_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Gauges that describe the database rather than this process (experiments by status, rollout
 * percentages, users per variant), read on scrape, so every replica reports the same truth and nothing goes stale after a
 * restart. Event-driven counters stay in MetricsService.
 */
@Injectable()
export class DatabaseGaugesService {
  private readonly logger = new Logger(DatabaseGaugesService.name);
  private refreshing: Promise<void> | null = null;
  private sampleRefreshedAt = 0;

  constructor(
    private readonly queries: DatabaseGaugesQueries,
    private readonly metrics: MetricsService,
  ) {}

  /** Concurrent scrapes share one refresh. Never throws. */
  async refresh(): Promise<void> {
    this.refreshing ??= this.run().finally(() => {
      this.refreshing = null;
    });
    await this.refreshing;
  }

  private async run(): Promise<void> {
    try {
      const rows = await withTimeout(this.queries.experimentsByStatus(), QUERY_TIMEOUT_MS);
      const counts = new Map(rows.map((row) => [row.status, Number(row.n)]));
      for (const status of EXPERIMENT_STATUSES) this.metrics.experimentsTotal.set({ status }, counts.get(status) ?? 0);
      this.metrics.experimentsActive.set(counts.get('running') ?? 0);

      // The replica that changed a rollout sets the gauge at once; reading it here makes every
      // replica report the same value (a rollback on one must not leave 25 % showing on another).
      const rollouts = await withTimeout(this.queries.rolloutPercentages(), QUERY_TIMEOUT_MS);
      this.metrics.rolloutPercentage.reset();
      for (const row of rollouts) this.metrics.setRolloutPercentage(row.name, row.model_version, Number(row.percentage));

      if (Date.now() - this.sampleRefreshedAt >= SAMPLE_REFRESH_MS) {
        const sample = await withTimeout(this.queries.usersPerVariant(), QUERY_TIMEOUT_MS);
        // Experiments that stopped running drop out of these gauges instead of lingering forever.
        this.metrics.experimentUsers.reset();
        this.metrics.experimentMinimumSampleSize.reset();
        for (const row of sample) {
          this.metrics.experimentUsers.set({ experiment: row.key, variant: row.variant }, Number(row.users));
          this.metrics.experimentMinimumSampleSize.set({ experiment: row.key }, Number(row.minimum));
        }
        this.sampleRefreshedAt = Date.now();
      }
    } catch (error) {
      this.logger.warn(`metrics: database gauges not refreshed (${(error as Error).message})`);
    }
  }
}
