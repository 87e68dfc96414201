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

/**
 * One fixed window per caller, O(1) per request. (@nestjs/throttler's default storage kept one
 * timestamp per hit and filtered the whole array on every request: at 1,000 req/s from one token,
 * a 60,000-element scan per request.)
 */
export class FixedWindowRateLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {
    // Callers that stopped calling (IP-keyed ones, mostly) are forgotten once their window is over.
    this.sweeper = setInterval(() => this.sweep(Date.now()), windowMs);
    this.sweeper.unref();
  }

  hit(caller: string, now = Date.now()): RateLimitDecision {
    let window = this.windows.get(caller);
    if (window === undefined || now - window.startedAt >= this.windowMs) {
      window = { startedAt: now, hits: 0 };
      this.windows.set(caller, window);
    }
    window.hits++;
    return {
      allowed: window.hits <= this.limit,
      limit: this.limit,
      remaining: Math.max(0, this.limit - window.hits),
      resetSeconds: Math.max(1, Math.ceil((window.startedAt + this.windowMs - now) / 1000)),
    };
  }

  /** The callers with a window, as keyed (tests check that no token is kept in clear). */
  callers(): string[] {
    return [...this.windows.keys()];
  }

  stop(): void {
    clearInterval(this.sweeper);
  }

  private sweep(now: number): void {
    for (const [caller, window] of this.windows) {
      if (now - window.startedAt >= this.windowMs) this.windows.delete(caller);
    }
  }
}
