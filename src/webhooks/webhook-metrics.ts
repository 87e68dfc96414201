import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter, Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { MetricsService } from '../metrics/metrics.service';
import { pendingStats } from './webhook.store';

export type DeliveryOutcome = 'delivered' | 'retry' | 'failed';

// A scrape must answer even while PostgreSQL is slow or gone: the gauges then keep their last values.
const QUERY_TIMEOUT_MS = 1000;

/**
 * The webhook series on the service's registry: attempts by event and outcome (counted by the
 * replica that made them), and the outbox backlog read from the database on scrape so every replica
 * reports the same.
 */
@Injectable()
export class WebhookMetrics {
  private readonly logger = new Logger(WebhookMetrics.name);
  readonly deliveries: Counter<'event' | 'outcome'>;

  constructor(
    metrics: MetricsService,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {
    const registers = [metrics.registry];
    this.deliveries = new Counter({
      name: 'experimentation_webhook_deliveries_total',
      help: 'Webhook delivery attempts by event type and outcome: delivered, retry (failed, will be tried again), failed (given up)',
      labelNames: ['event', 'outcome'] as const,
      registers,
    });
    // One query per scrape for both gauges: the first collect reads, the second shares it.
    let reading: Promise<void> | null = null;
    const collect = async (): Promise<void> => {
      reading ??= this.readBacklog(pending, oldest).finally(() => setImmediate(() => (reading = null)));
      await reading;
    };
    const pending = new Gauge({
      name: 'experimentation_webhook_pending',
      help: 'Webhook deliveries waiting to be sent',
      registers,
      collect,
    });
    const oldest = new Gauge({
      name: 'experimentation_webhook_oldest_pending_seconds',
      help: 'Age of the oldest webhook delivery not yet delivered or given up (0 when none)',
      registers,
      collect,
    });
  }

  private async readBacklog(pending: Gauge, oldest: Gauge): Promise<void> {
    try {
      const stats = await withTimeout(pendingStats(this.dataSource.manager), QUERY_TIMEOUT_MS);
      pending.set(stats.pending);
      oldest.set(stats.oldestCreatedAt ? Math.max(0, (this.clock.now().getTime() - stats.oldestCreatedAt.getTime()) / 1000) : 0);
    } catch (error) {
      this.logger.warn(`metrics: webhook backlog not refreshed (${(error as Error).message})`);
    }
  }

  record(event: string, outcome: DeliveryOutcome): void {
    this.deliveries.inc({ event, outcome });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
