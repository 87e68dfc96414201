import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** The outcome of one request against its caller's budget. */
export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the current window ends (the Retry-After of a refused request). */
  resetSeconds: number;
}

interface Window {
  startedAt: number;
  hits: number;
}

/** Keys longer than this are kept as their SHA-256 (a client-chosen string never sizes the state). */
export const MAX_CALLER_KEY_LENGTH = 80;
/** Bytes charged per window besides its key: the object, the LRU's links and slot. */
const WINDOW_OVERHEAD_BYTES = 160;
export const DEFAULT_LIMITER_BYTES = 16 * 1024 * 1024;

export function boundedKey(caller: string): string {
  return caller.length <= MAX_CALLER_KEY_LENGTH ? caller : `sha256:${createHash('sha256').update(caller, 'utf8').digest('hex')}`;
}

/**
 * One fixed window per caller, O(1) per request. (@nestjs/throttler's default storage kept one
 * timestamp per hit and filtered the whole array on every request: at 1,000 req/s from one token,
 * a 60,000-element scan per request.) The windows live in an LRU bounded in bytes (`maxBytes`,
 * each entry charged its key plus a fixed overhead; long keys are hashed): whatever callers send,
 * the state never outgrows it. When full, the least recently seen caller is forgotten (it starts a
 * fresh window if it comes back).
 */
export class FixedWindowRateLimiter {
  private readonly windows: LRUCache<string, Window>;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    readonly maxBytes = DEFAULT_LIMITER_BYTES,
  ) {
    this.windows = new LRUCache<string, Window>({
      maxSize: maxBytes,
      sizeCalculation: (_window, key) => key.length * 2 + WINDOW_OVERHEAD_BYTES,
    });
    // Callers that stopped calling (IP-keyed ones, mostly) are forgotten once their window is over.
    this.sweeper = setInterval(() => this.sweep(Date.now()), windowMs);
    this.sweeper.unref();
  }

  hit(caller: string, now = Date.now()): RateLimitDecision {
    const key = boundedKey(caller);
    let window = this.windows.get(key);
    if (window === undefined || now - window.startedAt >= this.windowMs) {
      window = { startedAt: now, hits: 0 };
      this.windows.set(key, window);
    }
    window.hits++;
    return this.decision(window, now);
  }

  /** The caller's state without counting a hit (null: no window open). */
  peek(caller: string, now = Date.now()): RateLimitDecision | null {
    const window = this.windows.peek(boundedKey(caller));
    if (window === undefined || now - window.startedAt >= this.windowMs) return null;
    return this.decision(window, now);
  }

  /** The callers with a window, as keyed (tests check that no token is kept in clear). */
  callers(): string[] {
    return [...this.windows.keys()];
  }

  /** Bytes charged to the windows kept now (at most maxBytes). */
  get size(): { entries: number; bytes: number } {
    return { entries: this.windows.size, bytes: this.windows.calculatedSize };
  }

  stop(): void {
    clearInterval(this.sweeper);
  }

  private decision(window: Window, now: number): RateLimitDecision {
    return {
      allowed: window.hits <= this.limit,
      limit: this.limit,
      remaining: Math.max(0, this.limit - window.hits),
      resetSeconds: Math.max(1, Math.ceil((window.startedAt + this.windowMs - now) / 1000)),
    };
  }

  private sweep(now: number): void {
    for (const [caller, window] of this.windows.entries()) {
      if (now - window.startedAt >= this.windowMs) this.windows.delete(caller);
    }
  }
}
