import { Module } from '@nestjs/common';
import { WebhookMetrics } from './webhook-metrics';
import { WebhookOutbox } from './webhook-outbox.service';
import { WebhookSender } from './webhook-sender.service';
import { WebhookSubscriptionsService } from './webhook-subscriptions.service';
import { WebhookTargetGuard } from './webhook-target';
import { WebhooksController } from './webhooks.controller';

/**
 * Signed, durable webhooks (docs/webhooks.md). Emitters import this module and call
 * `WebhookOutbox.enqueue(manager, event)` inside their transaction; `WebhookTargetGuard.assertAllowed`
 * checks a URL someone wants notified.
 */
@Module({
  controllers: [WebhooksController],
  providers: [WebhookOutbox, WebhookSender, WebhookSubscriptionsService, WebhookTargetGuard, WebhookMetrics],
  exports: [WebhookOutbox, WebhookTargetGuard, WebhookSender],
})
export class WebhooksModule {}
