import type { DeliveryRow, DeliveryStatus, SubscriptionRow, WebhookFormat } from './webhook.store';

export interface WebhookResponse {
  id: string;
  url: string;
  events: string[];
  format: WebhookFormat;
  description: string | null;
  active: boolean;
  createdAt: string;
  updatedAt: string;
  /** While a rotated-out secret still signs alongside the new one; null otherwise. */
  previousSecretExpiresAt: string | null;
}

/** Create and rotate-secret answers: the only time the secret is shown. */
export interface WebhookWithSecretResponse extends WebhookResponse {
  secret: string;
}

export interface DeliveryResponse {
  id: string;
  event: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  /** When the next attempt is due; null once delivered or failed. */
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

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
