import { ApiProperty } from '@nestjs/swagger';
import { PageOf } from '../common/pagination';
import {
  DELIVERY_STATUSES,
  WEBHOOK_FORMATS,
  type DeliveryRow,
  type DeliveryStatus,
  type SubscriptionRow,
  type WebhookFormat,
} from './webhook.store';

const nullableDate = { type: String, format: 'date-time', nullable: true } as const;

export class WebhookResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'https://hooks.example.com/experiments' }) url: string;
  @ApiProperty({ type: [String], example: ['rollout.rolled_back'], description: 'Event types, or ["*"] for all' }) events: string[];
  @ApiProperty({ enum: WEBHOOK_FORMATS, enumName: 'WebhookFormat' }) format: WebhookFormat;
  @ApiProperty({ type: String, nullable: true }) description: string | null;
  @ApiProperty() active: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  /** While a rotated-out secret still signs alongside the new one; null otherwise. */
  @ApiProperty({ ...nullableDate, description: 'While a rotated-out secret still signs alongside the new one; null otherwise' })
  previousSecretExpiresAt: string | null;
}

/** Create and rotate-secret answers: the only time the secret is shown. */
export class WebhookWithSecretResponse extends WebhookResponse {
  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', description: 'Signing secret: shown only in this answer' })
  secret: string;
}

export class WebhookPage extends PageOf(WebhookResponse) {}

export class DeliveryResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'rollout.rolled_back' }) event: string;
  @ApiProperty({ enum: DELIVERY_STATUSES, enumName: 'DeliveryStatus' }) status: DeliveryStatus;
  @ApiProperty() attempts: number;
  @ApiProperty({ type: Number, nullable: true }) lastStatusCode: number | null;
  @ApiProperty({ type: String, nullable: true }) lastError: string | null;
  /** When the next attempt is due; null once delivered or failed. */
  @ApiProperty({ ...nullableDate, description: 'When the next attempt is due; null once delivered or failed' }) nextAttemptAt:
    string | null;
  @ApiProperty(nullableDate) lastAttemptAt: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty(nullableDate) deliveredAt: string | null;
}

export class DeliveryPage extends PageOf(DeliveryResponse) {}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

export function toWebhookResponse(s: SubscriptionRow, now: Date): WebhookResponse {
  return {
    id: s.id,
    url: s.url,
    events: s.events,
    format: s.format,
    description: s.description,
    active: s.active,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
    previousSecretExpiresAt: s.previousSecretExpiresAt && s.previousSecretExpiresAt > now ? s.previousSecretExpiresAt.toISOString() : null,
  };
}

export function toWebhookWithSecretResponse(s: SubscriptionRow, now: Date): WebhookWithSecretResponse {
  const { id, url, events, format, description, ...rest } = toWebhookResponse(s, now);
  return { id, url, events, format, description, secret: s.secret, ...rest };
}

export function toDeliveryResponse(d: DeliveryRow): DeliveryResponse {
  return {
    id: d.id,
    event: d.event,
    status: d.status,
    attempts: d.attempts,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt.toISOString() : null,
    lastAttemptAt: iso(d.lastAttemptAt),
    createdAt: d.createdAt.toISOString(),
    deliveredAt: iso(d.deliveredAt),
  };
}
