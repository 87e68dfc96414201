/**
 * Every query of the webhooks feature. Functions take the EntityManager of the caller's
 * transaction (or the data source's manager), so an enqueue commits or rolls back with the change
 * it reports. Times come from the Clock, not from PostgreSQL's now(): tests drive them.
 */
import type { EntityManager } from 'typeorm';
import type { WebhookEventType } from './webhook-events';

export const WEBHOOK_FORMATS = ['standard', 'slack'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];
export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface SubscriptionRow {
  id: string;
  url: string;
  events: string[];
  format: WebhookFormat;
  description: string | null;
  active: boolean;
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface DeliveryRow {
  id: string;
  subscriptionId: string | null;
  event: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

/** A delivery taken by one sender for one attempt, with what it needs to send it. */
export interface ClaimedDelivery {
  id: string;
  event: string;
  body: string;
  /** This attempt's number (1-based). */
  attempts: number;
  /** null for a delivery to an ad-hoc URL (legacy rollout webhooks). */
  subscriptionId: string | null;
  url: string;
  secret: string | null;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
}

type Raw = Record<string, unknown>;

/** TypeORM answers UPDATE and DELETE with `[rows, rowCount]` and every other statement with the rows. */
async function modify(manager: EntityManager, sql: string, params: unknown[]): Promise<Raw[]> {
  const result = (await manager.query(sql, params)) as unknown[];
  return result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number' ? (result[0] as Raw[]) : (result as Raw[]);
}

const SUBSCRIPTION_COLUMNS = `id, url, events, format, description, active, secret, previous_secret, previous_secret_expires_at, created_at, updated_at`;
const DELIVERY_COLUMNS = `id, subscription_id, event, status, attempts, next_attempt_at, last_attempt_at, last_status_code, last_error, created_at, delivered_at`;

function toSubscription(r: Raw): SubscriptionRow {
  return {
    id: r.id as string,
    url: r.url as string,
    events: r.events as string[],
    format: r.format as WebhookFormat,
    description: r.description as string | null,
    active: r.active as boolean,
    secret: r.secret as string,
    previousSecret: r.previous_secret as string | null,
    previousSecretExpiresAt: r.previous_secret_expires_at as Date | null,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
  };
}

function toDelivery(r: Raw): DeliveryRow {
  return {
    id: r.id as string,
    subscriptionId: r.subscription_id as string | null,
    event: r.event as string,
    status: r.status as DeliveryStatus,
    attempts: Number(r.attempts),
    nextAttemptAt: r.next_attempt_at as Date,
    lastAttemptAt: r.last_attempt_at as Date | null,
    lastStatusCode: r.last_status_code === null ? null : Number(r.last_status_code),
    lastError: r.last_error as string | null,
    createdAt: r.created_at as Date,
    deliveredAt: r.delivered_at as Date | null,
  };
}

/* ------------------------------------------------------------------------------ subscriptions */

export interface NewSubscription {
  url: string;
  events: string[];
  format: WebhookFormat;
  description: string | null;
  secret: string;
}

export async function insertSubscription(manager: EntityManager, input: NewSubscription, now: Date): Promise<SubscriptionRow> {
  const rows: Raw[] = await manager.query(
    `INSERT INTO webhook_subscriptions (url, events, format, description, secret, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $6)
     RETURNING ${SUBSCRIPTION_COLUMNS}`,
    [input.url, input.events, input.format, input.description, input.secret, now],
  );
  return toSubscription(rows[0]);
}

export async function listSubscriptions(
  manager: EntityManager,
  limit: number,
  offset: number,
): Promise<{ rows: SubscriptionRow[]; total: number }> {
  const rows: Raw[] = await manager.query(
    `SELECT ${SUBSCRIPTION_COLUMNS}, count(*) OVER () AS total
       FROM webhook_subscriptions ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2`,
    [limit, offset],
  );
  const total =
    rows.length > 0
      ? Number(rows[0].total)
      : Number(((await manager.query(`SELECT count(*) AS n FROM webhook_subscriptions`)) as Raw[])[0].n);
  return { rows: rows.map(toSubscription), total };
}

export async function findSubscription(manager: EntityManager, id: string, lock = false): Promise<SubscriptionRow | null> {
  const rows: Raw[] = await manager.query(
    `SELECT ${SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return rows.length > 0 ? toSubscription(rows[0]) : null;
}

export interface SubscriptionChanges {
  url?: string;
  events?: string[];
  format?: WebhookFormat;
  description?: string | null;
  active?: boolean;
}

export async function updateSubscription(
  manager: EntityManager,
  id: string,
  changes: SubscriptionChanges,
  now: Date,
): Promise<SubscriptionRow | null> {
  // COALESCE cannot tell "leave it" from "set it to null" for the description: a flag says which.
  const rows: Raw[] = await modify(
    manager,
    `UPDATE webhook_subscriptions
        SET url = COALESCE($2, url),
            events = COALESCE($3, events),
            format = COALESCE($4, format),
            description = CASE WHEN $5 THEN $6 ELSE description END,
            active = COALESCE($7, active),
            updated_at = $8
      WHERE id = $1
      RETURNING ${SUBSCRIPTION_COLUMNS}`,
    [
      id,
      changes.url ?? null,
      changes.events ?? null,
      changes.format ?? null,
      changes.description !== undefined,
      changes.description ?? null,
      changes.active ?? null,
      now,
    ],
  );
  return rows.length > 0 ? toSubscription(rows[0]) : null;
}

export async function deleteSubscription(manager: EntityManager, id: string): Promise<boolean> {
  const rows: Raw[] = await modify(manager, `DELETE FROM webhook_subscriptions WHERE id = $1 RETURNING id`, [id]);
  return rows.length > 0;
}

/** The current secret becomes the previous one until `previousExpiresAt`; an older previous one is dropped. */
export async function rotateSecret(
  manager: EntityManager,
  id: string,
  secret: string,
  previousExpiresAt: Date,
  now: Date,
): Promise<SubscriptionRow | null> {
  const rows: Raw[] = await modify(
    manager,
    `UPDATE webhook_subscriptions
        SET previous_secret = secret, previous_secret_expires_at = $3, secret = $2, updated_at = $4
      WHERE id = $1
      RETURNING ${SUBSCRIPTION_COLUMNS}`,
    [id, secret, previousExpiresAt, now],
  );
  return rows.length > 0 ? toSubscription(rows[0]) : null;
}

/* ------------------------------------------------------------------------------ enqueue */

/**
 * One delivery per active subscription whose `events` hold the type or "*", in one statement; the
 * body is chosen by the subscription's format. Returns how many were written.
 */
export async function enqueueForSubscribers(
  manager: EntityManager,
  type: WebhookEventType,
  bodies: Record<WebhookFormat, string>,
  now: Date,
): Promise<number> {
  const rows: Raw[] = await manager.query(
    `INSERT INTO webhook_deliveries (subscription_id, event, body, next_attempt_at, created_at)
     SELECT s.id, $1, CASE s.format WHEN 'slack' THEN $3 ELSE $2 END, $4, $4
       FROM webhook_subscriptions s
      WHERE s.active AND s.events && ARRAY[$1, '*']::text[]
     RETURNING id`,
    [type, bodies.standard, bodies.slack, now],
  );
  return rows.length;
}

export async function enqueueForSubscription(
  manager: EntityManager,
  subscriptionId: string,
  type: WebhookEventType,
  body: string,
  now: Date,
): Promise<DeliveryRow> {
  const rows: Raw[] = await manager.query(
    `INSERT INTO webhook_deliveries (subscription_id, event, body, next_attempt_at, created_at)
     VALUES ($1, $2, $3, $4, $4)
     RETURNING ${DELIVERY_COLUMNS}`,
    [subscriptionId, type, body, now],
  );
  return toDelivery(rows[0]);
}

export async function enqueueForUrl(manager: EntityManager, url: string, type: WebhookEventType, body: string, now: Date): Promise<string> {
  const rows: Raw[] = await manager.query(
    `INSERT INTO webhook_deliveries (target_url, event, body, next_attempt_at, created_at)
     VALUES ($1, $2, $3, $4, $4)
     RETURNING id`,
    [url, type, body, now],
  );
  return rows[0].id as string;
}

/* ------------------------------------------------------------------------------ deliveries (admin) */

export async function listDeliveries(
  manager: EntityManager,
  subscriptionId: string,
  status: DeliveryStatus | null,
  limit: number,
  offset: number,
): Promise<{ rows: DeliveryRow[]; total: number }> {
  const rows: Raw[] = await manager.query(
    `SELECT ${DELIVERY_COLUMNS}, count(*) OVER () AS total
       FROM webhook_deliveries
      WHERE subscription_id = $1 AND ($2::text IS NULL OR status = $2)
      ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4`,
    [subscriptionId, status, limit, offset],
  );
  const total =
    rows.length > 0
      ? Number(rows[0].total)
      : Number(
          (
            (await manager.query(
              `SELECT count(*) AS n FROM webhook_deliveries WHERE subscription_id = $1 AND ($2::text IS NULL OR status = $2)`,
              [subscriptionId, status],
            )) as Raw[]
          )[0].n,
        );
  return { rows: rows.map(toDelivery), total };
}

export async function findDelivery(manager: EntityManager, id: string): Promise<DeliveryRow | null> {
  const rows: Raw[] = await manager.query(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1`, [id]);
  return rows.length > 0 ? toDelivery(rows[0]) : null;
}

/** Back to pending with a fresh attempt budget, due now; the id (webhook-id) and body stay. */
export async function redeliver(
  manager: EntityManager,
  subscriptionId: string,
  deliveryId: string,
  now: Date,
): Promise<DeliveryRow | null> {
  const rows: Raw[] = await modify(
    manager,
    `UPDATE webhook_deliveries
        SET status = 'pending', attempts = 0, next_attempt_at = $3, delivered_at = NULL
      WHERE id = $1 AND subscription_id = $2
      RETURNING ${DELIVERY_COLUMNS}`,
    [deliveryId, subscriptionId, now],
  );
  return rows.length > 0 ? toDelivery(rows[0]) : null;
}

/* ------------------------------------------------------------------------------ sender */

/**
 * Claims up to `limit` due deliveries for one attempt each, in one short statement: the attempt is
 * counted and `next_attempt_at` moves to `leaseUntil`, so if this sender dies mid-POST the row is due
 * again after the lease and another sender (or this one, restarted) takes it.
 */
export async function claimDue(manager: EntityManager, now: Date, leaseUntil: Date, limit: number): Promise<ClaimedDelivery[]> {
  const rows: Raw[] = await modify(
    manager,
    `WITH due AS (
       SELECT id, subscription_id FROM webhook_deliveries
        WHERE status = 'pending' AND next_attempt_at <= $1
        ORDER BY next_attempt_at, id
        LIMIT $3
        FOR UPDATE SKIP LOCKED)
     UPDATE webhook_deliveries d
        SET attempts = d.attempts + 1, next_attempt_at = $2, last_attempt_at = $1
       FROM due LEFT JOIN webhook_subscriptions s ON s.id = due.subscription_id
      WHERE d.id = due.id
      RETURNING d.id, d.event, d.body, d.attempts, d.subscription_id, COALESCE(s.url, d.target_url) AS url,
                s.secret, s.previous_secret, s.previous_secret_expires_at`,
    [now, leaseUntil, limit],
  );
  return rows.map((r) => ({
    id: r.id as string,
    event: r.event as string,
    body: r.body as string,
    attempts: Number(r.attempts),
    subscriptionId: r.subscription_id as string | null,
    url: r.url as string,
    secret: r.secret as string | null,
    previousSecret: r.previous_secret as string | null,
    previousSecretExpiresAt: r.previous_secret_expires_at as Date | null,
  }));
}

/** Success counts even when the lease ran out and another sender took the row meanwhile. */
export async function recordDelivered(manager: EntityManager, id: string, statusCode: number, now: Date): Promise<boolean> {
  const rows: Raw[] = await modify(
    manager,
    `UPDATE webhook_deliveries
        SET status = 'delivered', delivered_at = $3, last_status_code = $2, last_error = NULL
      WHERE id = $1 AND status = 'pending'
      RETURNING id`,
    [id, statusCode, now],
  );
  return rows.length > 0;
}

/**
 * A failed attempt: due again at `nextAttemptAt`, or `failed` when that is null. Only the attempt
 * that holds the row may write (a stale sender whose lease expired must not push a newer one back).
 */
export async function recordFailure(
  manager: EntityManager,
  id: string,
  attempts: number,
  statusCode: number | null,
  error: string,
  nextAttemptAt: Date | null,
): Promise<boolean> {
  const rows: Raw[] = await modify(
    manager,
    `UPDATE webhook_deliveries
        SET status = CASE WHEN $5::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
            next_attempt_at = COALESCE($5, next_attempt_at),
            last_status_code = $3, last_error = $4
      WHERE id = $1 AND attempts = $2 AND status = 'pending'
      RETURNING id`,
    [id, attempts, statusCode, error.slice(0, 1000), nextAttemptAt],
  );
  return rows.length > 0;
}

/** An attempt cut short by shutdown: not counted, due again at once (another replica may take it). */
export async function releaseClaim(manager: EntityManager, id: string, attempts: number, now: Date): Promise<void> {
  await modify(
    manager,
    `UPDATE webhook_deliveries SET attempts = attempts - 1, next_attempt_at = $3
      WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
    [id, attempts, now],
  );
}

export async function pendingStats(manager: EntityManager): Promise<{ pending: number; oldestCreatedAt: Date | null }> {
  const rows: Raw[] = await manager.query(
    `SELECT count(*) AS pending, min(created_at) AS oldest FROM webhook_deliveries WHERE status = 'pending'`,
  );
  return { pending: Number(rows[0].pending), oldestCreatedAt: (rows[0].oldest as Date | null) ?? null };
}

/** Finished deliveries older than `before`, a bounded batch at a time. */
export async function pruneFinished(manager: EntityManager, before: Date, limit: number): Promise<number> {
  const rows: Raw[] = await modify(
    manager,
    `DELETE FROM webhook_deliveries WHERE id IN (
       SELECT id FROM webhook_deliveries WHERE status <> 'pending' AND created_at < $1 LIMIT $2)
     RETURNING id`,
    [before, limit],
  );
  return rows.length;
}
