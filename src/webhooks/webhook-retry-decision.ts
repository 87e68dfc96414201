/**
 * When a delivery is tried again, and when it is given up (docs/webhooks.md, "Retries").
 * Plain TypeScript: no framework, no database.
 */

/** Attempts in all, the first included; after the last one fails the delivery is `failed`. */
export const MAX_ATTEMPTS = 12;
export const FIRST_RETRY_MS = 5_000;
export const BACKOFF_FACTOR = 3;
export const MAX_RETRY_MS = 6 * 3600_000;
/** Each delay is scaled by a factor in [1 − JITTER, 1 + JITTER) so receivers that came back are not hit by every sender at once. */
export const JITTER = 0.2;

/** The nominal delay after the `attempt`-th failed attempt (1-based), before jitter. */
export function nominalRetryDelayMs(attempt: number): number {
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * BACKOFF_FACTOR ** Math.max(0, attempt - 1));
}

/** `random` in [0, 1): Math.random() in production, fixed in tests. */
export function retryDelayMs(attempt: number, random: number): number {
  return Math.round(nominalRetryDelayMs(attempt) * (1 - JITTER + 2 * JITTER * random));
}

export type AttemptResult =
  | { ok: true; statusCode: number }
  /** `statusCode` null: no answer (refused, reset, timed out, target not allowed). */
  | { ok: false; statusCode: number | null; error: string };

export type AttemptDecision = { status: 'delivered' } | { status: 'pending'; nextAttemptAt: Date; delayMs: number } | { status: 'failed' };

/** What to record after attempt number `attempts` (1-based) ended with `result`. */
export function decideAfterAttempt(attempts: number, result: AttemptResult, now: Date, random: number): AttemptDecision {
  if (result.ok) return { status: 'delivered' };
  if (attempts >= MAX_ATTEMPTS) return { status: 'failed' };
  const delayMs = retryDelayMs(attempts, random);
  return { status: 'pending', nextAttemptAt: new Date(now.getTime() + delayMs), delayMs };
}

/** 2xx is success; everything else, redirects included (they are not followed), is retried. */
export function isSuccessStatus(statusCode: number): boolean {
  return statusCode >= 200 && statusCode < 300;
}
