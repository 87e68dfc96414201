import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { NotFoundError } from '../common/errors';
import type { Page } from '../common/pagination';
import type { CreateWebhookDto } from './dto/create-webhook.dto';
import type { ListDeliveriesQuery } from './dto/list-deliveries.query';
import type { UpdateWebhookDto } from './dto/update-webhook.dto';
import { ALL_EVENTS, testEvent } from './webhook-events';
import { WebhookOutbox } from './webhook-outbox.service';
import { generateSecret } from './webhook-signing';
import { WebhookTargetGuard } from './webhook-target';
import * as store from './webhook.store';
import type { DeliveryRow, SubscriptionRow } from './webhook.store';

/** How long a rotated-out secret keeps signing alongside the new one. */
export const ROTATION_OVERLAP_MS = 24 * 3600_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** "*" covers everything, so a list holding it is just ["*"]. */
function normaliseEvents(events: string[]): string[] {
  return events.includes(ALL_EVENTS) ? [ALL_EVENTS] : events;
}

/** The admin side of webhooks: subscriptions, their secrets, their deliveries. */
@Injectable()
export class WebhookSubscriptionsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly guard: WebhookTargetGuard,
    private readonly outbox: WebhookOutbox,
  ) {}

  now(): Date {
    return this.clock.now();
  }

  async create(dto: CreateWebhookDto): Promise<SubscriptionRow> {
    await this.guard.assertAllowed(dto.url);
    return store.insertSubscription(
      this.dataSource.manager,
      {
        url: dto.url,
        events: normaliseEvents(dto.events),
        format: dto.format ?? 'standard',
        description: dto.description ?? null,
        secret: generateSecret(),
      },
      this.clock.now(),
    );
  }

  async list(limit: number, offset: number): Promise<Page<SubscriptionRow>> {
    const { rows, total } = await store.listSubscriptions(this.dataSource.manager, limit, offset);
    return { items: rows, total, limit, offset };
  }

  async get(id: string): Promise<SubscriptionRow> {
    const found = UUID.test(id) ? await store.findSubscription(this.dataSource.manager, id.toLowerCase()) : null;
    if (!found) throw NotFoundError.webhook(id);
    return found;
  }

  async update(id: string, dto: UpdateWebhookDto): Promise<SubscriptionRow> {
    const current = await this.get(id);
    if (dto.url !== undefined) await this.guard.assertAllowed(dto.url);
    const updated = await store.updateSubscription(
      this.dataSource.manager,
      current.id,
      {
        url: dto.url,
        events: dto.events === undefined ? undefined : normaliseEvents(dto.events),
        format: dto.format,
        description: dto.description,
        active: dto.active,
      },
      this.clock.now(),
    );
    if (!updated) throw NotFoundError.webhook(id);
    return updated;
  }

  /** Pending deliveries go with it (they have nowhere left to go). */
  async remove(id: string): Promise<void> {
    const current = await this.get(id);
    if (!(await store.deleteSubscription(this.dataSource.manager, current.id))) throw NotFoundError.webhook(id);
  }

  async rotateSecret(id: string): Promise<SubscriptionRow> {
    const current = await this.get(id);
    const now = this.clock.now();
    const rotated = await store.rotateSecret(
      this.dataSource.manager,
      current.id,
      generateSecret(),
      new Date(now.getTime() + ROTATION_OVERLAP_MS),
      now,
    );
    if (!rotated) throw NotFoundError.webhook(id);
    return rotated;
  }

  /** A `webhook.test` delivery through the outbox like any other: the answer does not wait for the receiver. */
  async sendTest(id: string): Promise<DeliveryRow> {
    return this.dataSource.transaction(async (manager) => {
      const subscription = UUID.test(id) ? await store.findSubscription(manager, id.toLowerCase(), true) : null;
      if (!subscription) throw NotFoundError.webhook(id);
      const event = testEvent({ id: subscription.id, url: subscription.url, description: subscription.description }, this.clock.now());
      return this.outbox.enqueueTest(manager, subscription, event);
    });
  }

  async deliveries(id: string, query: ListDeliveriesQuery): Promise<Page<DeliveryRow>> {
    const subscription = await this.get(id);
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    const { rows, total } = await store.listDeliveries(this.dataSource.manager, subscription.id, query.status ?? null, limit, offset);
    return { items: rows, total, limit, offset };
  }

  async redeliver(id: string, deliveryId: string): Promise<DeliveryRow> {
    const subscription = await this.get(id);
    const delivery = UUID.test(deliveryId)
      ? await store.redeliver(this.dataSource.manager, subscription.id, deliveryId.toLowerCase(), this.clock.now())
      : null;
    if (!delivery)
      throw new NotFoundError(`Delivery ${deliveryId} of webhook ${subscription.id} not found`, undefined, undefined, 'DELIVERY_NOT_FOUND');
    return delivery;
  }
}
