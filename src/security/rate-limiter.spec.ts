import { FixedWindowRateLimiter } from './rate-limiter';

describe(FixedWindowRateLimiter.name, () => {
  let limiter: FixedWindowRateLimiter;
  beforeEach(() => {
    limiter = new FixedWindowRateLimiter(3, 60_000);
  });
  afterEach(() => limiter.stop());

  it('should allow exactly `limit` hits per window and refuse the next one with the time left', () => {
    const t0 = 1_000_000;
    expect([1, 2, 3].map((i) => limiter.hit('a', t0 + i).remaining)).toEqual([2, 1, 0]);
    expect(limiter.hit('a', t0 + 20_500)).toEqual({ allowed: false, limit: 3, remaining: 0, resetSeconds: 40 });
  });

  it('should start a new window once the previous one is over, and keep callers apart', () => {
    const t0 = 5_000_000;
    for (let i = 0; i < 4; i++) limiter.hit('a', t0);
    expect(limiter.hit('b', t0).allowed).toBe(true);
    expect(limiter.hit('a', t0 + 59_999).allowed).toBe(false);
    expect(limiter.hit('a', t0 + 60_000)).toEqual({ allowed: true, limit: 3, remaining: 2, resetSeconds: 60 });
  });

  it('should stay O(1) for a busy caller (no per-hit history)', () => {
    const busy = new FixedWindowRateLimiter(1_000_000, 60_000);
    for (let i = 0; i < 200_000; i++) busy.hit('busy', 1_000);
    expect(busy.hit('busy', 1_000).remaining).toBe(1_000_000 - 200_001);
    busy.stop();
  });

  it('should forget callers whose window is over', () => {
    jest.useFakeTimers({ now: 0 });
    const sweeping = new FixedWindowRateLimiter(3, 60_000);
    sweeping.hit('gone');
    jest.advanceTimersByTime(60_000);
    expect(sweeping.callers()).toEqual([]);
    sweeping.stop();
    jest.useRealTimers();
  });
});

describe('FixedWindowRateLimiter bounds', () => {
  it('should keep its state within maxBytes whatever keys callers send (50,000 × 16 KB keys)', () => {
    const limiter = new FixedWindowRateLimiter(10, 60_000, 1024 * 1024);
    const padding = 'x'.repeat(16 * 1024);
    for (let i = 0; i < 50_000; i++) limiter.hit(`ip:${i}${padding}`, 1_000);
    const { entries, bytes } = limiter.size;
    expect(bytes).toBeLessThanOrEqual(1024 * 1024);
    expect(entries).toBeGreaterThan(1000);
    expect(Math.max(...limiter.callers().map((key) => key.length))).toBeLessThanOrEqual(80);
    limiter.stop();
  });

  it('should still count a long key as one caller (hashed, not truncated into collisions)', () => {
    const limiter = new FixedWindowRateLimiter(2, 60_000);
    const long = 'a'.repeat(1000);
    limiter.hit(long, 0);
    limiter.hit(long, 0);
    expect(limiter.hit(long, 0).allowed).toBe(false);
    expect(limiter.hit(`${long}b`, 0).allowed).toBe(true);
    expect(limiter.peek(long, 0)).toMatchObject({ allowed: false });
    limiter.stop();
  });
});
