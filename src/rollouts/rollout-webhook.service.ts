import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { RolloutWebhookEvent } from './rollout-webhook-event';

const ATTEMPTS = 4;
const FIRST_RETRY_MS = 1000;
const TIMEOUT_MS = 5000;

/**
 * POSTs rollout events (built by rollout-webhook-event.ts) to the rollout's `webhookUrl` and
 * `ROLLOUT_WEBHOOK_URL`; callers call `send` after the commit, never inside a transaction.
 * Fire and forget: each delivery has a timeout and is retried with exponential backoff (1, 2, 4 s)
 * on network errors, 429 and 5xx; nothing here can block or fail the caller. Pending deliveries are
 * dropped at shutdown (the rollback itself is in history and alerts either way).
 */
@Injectable()
export class RolloutWebhookService implements OnModuleDestroy {
  private readonly logger = new Logger(RolloutWebhookService.name);
  private readonly inFlight = new Set<AbortController>();
  private readonly retries = new Set<NodeJS.Timeout>();
  private closing = false;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  send(rolloutWebhookUrl: string | null, event: RolloutWebhookEvent): void {
    const urls = [...new Set([rolloutWebhookUrl, this.config.rolloutWebhookUrl].filter((url): url is string => url !== null))];
    const body = JSON.stringify(event);
    for (const url of urls) void this.deliver(url, body, event, 1);
  }

  onModuleDestroy(): void {
    this.closing = true;
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
    for (const controller of this.inFlight) controller.abort();
  }

  private async deliver(url: string, body: string, event: RolloutWebhookEvent, attempt: number): Promise<void> {
    if (this.closing) return;
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), TIMEOUT_MS);
    this.inFlight.add(controller);
    let failure: string;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'experimentation-service', 'x-rollout-event': event.event },
        body,
        signal: controller.signal,
      });
      await response.body?.cancel().catch(() => undefined);
      if (response.ok) return;
      failure = `HTTP ${response.status}`;
      if (response.status < 500 && response.status !== 429) {
        this.logger.warn(`webhook ${event.event} for rollout ${event.rollout.id} refused by ${redact(url)} (${failure}); not retried`);
        return;
      }
    } catch (error) {
      failure = (error as Error).message;
    } finally {
      clearTimeout(timeout);
      this.inFlight.delete(controller);
    }
    if (this.closing) return;
    if (attempt >= ATTEMPTS) {
      this.logger.error(
        `webhook ${event.event} for rollout ${event.rollout.id} to ${redact(url)} failed ${attempt} times (${failure}); giving up`,
      );
      return;
    }
    const delay = FIRST_RETRY_MS * 2 ** (attempt - 1);
    this.logger.warn(`webhook ${event.event} for rollout ${event.rollout.id} to ${redact(url)} failed (${failure}); retry in ${delay} ms`);
    const timer = setTimeout(() => {
      this.retries.delete(timer);
      void this.deliver(url, body, event, attempt + 1);
    }, delay);
    timer.unref();
    this.retries.add(timer);
  }
}

/** Webhook URLs often carry a secret in the path or query (Slack, Teams): log the origin only. */
function redact(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '[invalid url]';
  }
}
