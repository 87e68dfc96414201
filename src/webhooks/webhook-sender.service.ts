import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { postWebhook } from './webhook-http';
import { WebhookMetrics } from './webhook-metrics';
import { decideAfterAttempt, type AttemptResult } from './webhook-retry-decision';
import { signatureHeader } from './webhook-signing';
import { parseTargetUrl, TargetRefusedError, WebhookTargetGuard } from './webhook-target';
import { claimDue, pruneFinished, recordDelivered, recordFailure, releaseClaim, type ClaimedDelivery } from './webhook.store';

/** POSTs in flight at once per replica. */
export const SENDER_CONCURRENCY = 8;
/** A tick stops claiming after this many, so one tick cannot run for ever behind a flood. */
const MAX_CLAIMS_PER_TICK = 200;
/** Finished deliveries are kept this long for the deliveries list, then deleted. */
export const RETENTION_MS = 30 * 86400_000;
const PRUNE_EVERY_MS = 3600_000;
const PRUNE_BATCH = 1000;

export interface SenderTickSummary {
  attempted: number;
  delivered: number;
  retrying: number;
  failed: number;
}

/**
 * The read side of the outbox, on every replica: each tick claims due deliveries
 * (`FOR UPDATE SKIP LOCKED` in one short statement that also takes a lease), POSTs them outside any
 * transaction with at most SENDER_CONCURRENCY in flight, and records each outcome. It runs on its own
 * timer, so neither requests nor the rollout scheduler ever wait for a receiver.
 */
@Injectable()
export class WebhookSender implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WebhookSender.name);
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<SenderTickSummary> | null = null;
  private readonly shutdown = new AbortController();
  private lastPruneAt = 0;
  /** While ticks keep failing (database down) one warning is enough, and one line when they recover. */
  private failing = false;
  /** Math.random in production; tests fix it to know the retry times. */
  random: () => number = Math.random;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly guard: WebhookTargetGuard,
    private readonly metrics: WebhookMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.onInterval(), this.config.webhookTickSeconds * 1000);
    this.timer.unref();
  }

  /**
   * Stops claiming and cuts the POSTs in flight short; their claims are released (not counted as
   * attempts), so another replica or the next start sends them at once.
   */
  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.shutdown.abort();
    await this.current?.catch(() => undefined);
  }

  /** One pass: sends everything due now (up to MAX_CLAIMS_PER_TICK). Calls never overlap in one process. */
  async tick(): Promise<SenderTickSummary> {
    while (this.current) await this.current.catch(() => undefined);
    const run = this.runTick();
    this.current = run;
    try {
      return await run;
    } finally {
      if (this.current === run) this.current = null;
    }
  }

  private onInterval(): void {
    if (this.current || this.shutdown.signal.aborted) return;
    this.tick().then(
      () => {
        if (this.failing) this.logger.log('webhook sender recovered');
        this.failing = false;
      },
      (error: Error) => {
        if (!this.failing) this.logger.warn(`webhook sender tick failed, retrying every tick until it works: ${error.message}`);
        this.failing = true;
      },
    );
  }

  private async runTick(): Promise<SenderTickSummary> {
    const summary: SenderTickSummary = { attempted: 0, delivered: 0, retrying: 0, failed: 0 };
    const running = new Set<Promise<void>>();
    let exhausted = false;
    try {
      while (!this.shutdown.signal.aborted) {
        while (!exhausted && running.size < SENDER_CONCURRENCY && summary.attempted < MAX_CLAIMS_PER_TICK) {
          const now = this.clock.now();
          const claimed = await claimDue(
            this.dataSource.manager,
            now,
            new Date(now.getTime() + this.leaseMs()),
            Math.min(SENDER_CONCURRENCY - running.size, MAX_CLAIMS_PER_TICK - summary.attempted),
          );
          if (claimed.length === 0) exhausted = true;
          for (const delivery of claimed) {
            summary.attempted++;
            const attempt: Promise<void> = this.attempt(delivery, summary).finally(() => running.delete(attempt));
            running.add(attempt);
          }
          if (this.shutdown.signal.aborted) break;
        }
        if (running.size === 0) break;
        await Promise.race(running);
      }
    } finally {
      await Promise.allSettled(running);
    }
    await this.pruneNowAndThen();
    return summary;
  }

  /**
   * How long a claim holds a row: an attempt lasts at most the timeout, and recording its outcome a
   * moment more; past that the sender is presumed dead and the row is due again.
   */
  private leaseMs(): number {
    return 2 * this.config.webhookTimeoutSeconds * 1000 + 5000;
  }

  private async attempt(delivery: ClaimedDelivery, summary: SenderTickSummary): Promise<void> {
    const result = await this.send(delivery).catch((error: Error): AttemptResult => ({
      ok: false,
      statusCode: null,
      error: `not sent: ${error.message}`,
    }));
    const now = this.clock.now();
    if (this.shutdown.signal.aborted && !result.ok) {
      await releaseClaim(this.dataSource.manager, delivery.id, delivery.attempts, now).catch(() => undefined);
      return;
    }
    const decision = decideAfterAttempt(delivery.attempts, result, now, this.random());
    const target = redact(delivery.url);
    try {
      switch (decision.status) {
        case 'delivered':
          await recordDelivered(this.dataSource.manager, delivery.id, result.statusCode ?? 0, now);
          summary.delivered++;
          this.metrics.record(delivery.event, 'delivered');
          return;
        case 'pending':
          await recordFailure(
            this.dataSource.manager,
            delivery.id,
            delivery.attempts,
            result.statusCode,
            result.ok ? '' : result.error,
            decision.nextAttemptAt,
          );
          summary.retrying++;
          this.metrics.record(delivery.event, 'retry');
          this.logger.warn(
            `webhook ${delivery.event} ${delivery.id} to ${target}: attempt ${delivery.attempts} failed (${result.ok ? '' : result.error}); next in ${Math.round(decision.delayMs / 1000)} s`,
          );
          return;
        case 'failed':
          await recordFailure(
            this.dataSource.manager,
            delivery.id,
            delivery.attempts,
            result.statusCode,
            result.ok ? '' : result.error,
            null,
          );
          summary.failed++;
          this.metrics.record(delivery.event, 'failed');
          this.logger.error(
            `webhook ${delivery.event} ${delivery.id} to ${target}: attempt ${delivery.attempts} failed (${result.ok ? '' : result.error}); giving up, redeliver by hand`,
          );
          return;
      }
    } catch (error) {
      // The lease runs out and the row is claimed again: at least once, never lost.
      this.logger.warn(`webhook ${delivery.id}: outcome not recorded (${(error as Error).message}); it will be retried`);
    }
  }

  private async send(delivery: ClaimedDelivery): Promise<AttemptResult> {
    let addresses;
    let url: URL;
    try {
      // Checked again at every attempt: the subscription was checked when created, but DNS answers change.
      url = parseTargetUrl(delivery.url);
      addresses = await this.guard.resolve(url);
    } catch (error) {
      if (error instanceof TargetRefusedError) return { ok: false, statusCode: null, error: `target refused: ${error.message}` };
      throw error;
    }
    const timestamp = this.clock.now();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'experimentation-service-webhooks/1',
      'webhook-id': delivery.id,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    };
    const secrets = this.signingSecrets(delivery, timestamp);
    if (secrets.length > 0) headers['webhook-signature'] = signatureHeader(secrets, delivery.id, timestamp, delivery.body);
    return postWebhook({
      url,
      addresses,
      headers,
      body: delivery.body,
      timeoutMs: this.config.webhookTimeoutSeconds * 1000,
      signal: this.shutdown.signal,
    });
  }

  /** The subscription's secret, plus the previous one while a rotation overlaps; legacy URLs use WEBHOOK_SECRET. */
  private signingSecrets(delivery: ClaimedDelivery, now: Date): string[] {
    if (delivery.subscriptionId === null) return this.config.webhookSecret ? [this.config.webhookSecret] : [];
    const secrets = delivery.secret ? [delivery.secret] : [];
    if (delivery.previousSecret && delivery.previousSecretExpiresAt && delivery.previousSecretExpiresAt > now) {
      secrets.push(delivery.previousSecret);
    }
    return secrets;
  }

  private async pruneNowAndThen(): Promise<void> {
    const now = this.clock.now().getTime();
    if (now - this.lastPruneAt < PRUNE_EVERY_MS || this.shutdown.signal.aborted) return;
    this.lastPruneAt = now;
    try {
      await pruneFinished(this.dataSource.manager, new Date(now - RETENTION_MS), PRUNE_BATCH);
    } catch (error) {
      this.logger.warn(`webhook deliveries not pruned (${(error as Error).message})`);
    }
  }
}

/** Webhook URLs often carry a secret in the path or query (Slack): logs show the origin only. */
function redact(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '[invalid url]';
  }
}
