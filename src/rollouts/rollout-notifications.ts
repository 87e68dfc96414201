import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { WebhookOutbox } from '../webhooks/webhook-outbox.service';
import { rolloutEvents } from './rollout-events';
import type { RolloutEntity } from './rollout.entity';
import type { HistoryEntry } from './rollout.model';
import { toRolloutResponse } from './rollout.response';

/**
 * Writes a rollout transition's webhook deliveries into the outbox, in the transaction of the
 * transition (admin command or scheduler step): one per matching subscription, and for a rollback
 * also the legacy ones to the rollout's `webhookUrl` and ROLLOUT_WEBHOOK_URL.
 */
@Injectable()
export class RolloutNotifications {
  constructor(private readonly outbox: WebhookOutbox) {}

  async enqueue(tx: EntityManager, rollout: RolloutEntity, history: readonly HistoryEntry[]): Promise<void> {
    const events = rolloutEvents(toRolloutResponse(rollout), history);
    for (const event of events) {
      await this.outbox.enqueue(tx, event);
      if (event.type === 'rollout.rolled_back') await this.outbox.enqueueLegacyRollout(tx, rollout.webhookUrl, event);
    }
  }
}
