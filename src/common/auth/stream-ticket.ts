import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Short-lived tickets for the SSE stream: EventSource cannot send headers, and an admin token in a
 * URL ends up in proxy logs, browser history and Referer headers. `POST /api/v1/stream/ticket` (with
 * the admin token in the header) returns `<expiresAtMs>.<HMAC-SHA256>`, valid for TICKET_TTL_MS and
 * only on the stream route. The key is derived from ADMIN_TOKEN, so every replica accepts the
 * tickets of every other, and changing the token invalidates them all.
 */
export const TICKET_TTL_MS = 60_000;
const PURPOSE = 'experimentation stream ticket v1';

export function ticketKey(adminToken: string): Buffer {
  return createHash('sha256').update(`${PURPOSE}\u0000${adminToken}`, 'utf8').digest();
}

function sign(key: Buffer, expiresAtMs: number): Buffer {
  return createHmac('sha256', key).update(`${PURPOSE}\u0000${expiresAtMs}`).digest();
}

export function issueTicket(key: Buffer, nowMs: number): { ticket: string; expiresAt: string } {
  const expiresAtMs = nowMs + TICKET_TTL_MS;
  return { ticket: `${expiresAtMs}.${sign(key, expiresAtMs).toString('base64url')}`, expiresAt: new Date(expiresAtMs).toISOString() };
}

/** True for a ticket this key signed that has not expired at `nowMs`. */
export function verifyTicket(key: Buffer, ticket: unknown, nowMs: number): boolean {
  if (typeof ticket !== 'string' || ticket.length > 100) return false;
  const match = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(ticket);
  if (match === null) return false;
  const expiresAtMs = Number(match[1]);
  if (expiresAtMs <= nowMs || expiresAtMs > nowMs + TICKET_TTL_MS) return false;
  const presented = Buffer.from(match[2], 'base64url');
  return presented.length === 32 && timingSafeEqual(presented, sign(key, expiresAtMs));
}
