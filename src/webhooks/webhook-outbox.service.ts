import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { standardBody, type WebhookEvent } from './webhook-events';
import { slackBody } from './webhook-slack';
import { enqueueForSubscribers, enqueueForSubscription, enqueueForUrl, type DeliveryRow } from './webhook.store';

/**
 * The write side of the outbox. Emitters call it with the EntityManager of the transaction that
 * makes the change, so the notification exists exactly when the change committed: a crash before
 * the commit loses both, a crash after it loses neither (the sender picks the rows up). Nothing
 * here touches the network.
 */
@Injectable()
export class WebhookOutbox {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** One delivery per active subscription to `event.type` (or "*"). Returns how many. */
  async enqueue(manager: EntityManager, event: WebhookEvent): Promise<number> {
    const now = this.clock.now();
    return enqueueForSubscribers(
      manager,
      event.type,
      { standard: standardBody(event, now), slack: slackBody(event, this.config.publicUrl) },
      now,
    );
  }

  /**
   * One delivery to a URL that has no subscription (a rollout's legacy `webhookUrl`): the standard
   * body, signed with WEBHOOK_SECRET when it is set and unsigned otherwise. The URL is checked
   * against the target rules when it is sent, as every other.
   */
  async enqueueToUrl(manager: EntityManager, url: string, event: WebhookEvent): Promise<string> {
    const now = this.clock.now();
    return enqueueForUrl(manager, url, event.type, standardBody(event, now), now);
  }

  /**
   * The legacy rollout notification: to the rollout's `webhookUrl` and to ROLLOUT_WEBHOOK_URL, once
   * each (the same URL in both places gets one delivery). Returns how many were written.
   */
  async enqueueLegacyRollout(manager: EntityManager, rolloutWebhookUrl: string | null, event: WebhookEvent): Promise<number> {
    const urls = new Set([rolloutWebhookUrl, this.config.rolloutWebhookUrl].filter((url): url is string => url !== null && url !== ''));
    for (const url of urls) await this.enqueueToUrl(manager, url, event);
    return urls.size;
  }

  /** `webhook.test` to one subscription, whatever its events. */
  async enqueueTest(
    manager: EntityManager,
    subscription: { id: string; format: 'standard' | 'slack' },
    event: WebhookEvent,
  ): Promise<DeliveryRow> {
    const now = this.clock.now();
    const body = subscription.format === 'slack' ? slackBody(event, this.config.publicUrl) : standardBody(event, now);
    return enqueueForSubscription(manager, subscription.id, event.type, body, now);
  }
}
