import { FixedWindowThrottlerStorage } from './rate-limit.storage';

describe(FixedWindowThrottlerStorage.name, () => {
  let storage: FixedWindowThrottlerStorage;
  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
    storage = new FixedWindowThrottlerStorage();
  });
  afterEach(() => {
    storage.onApplicationShutdown();
    jest.useRealTimers();
  });

  it('should allow exactly `limit` hits per window and block the next one', async () => {
    for (let i = 1; i <= 3; i++) expect((await storage.increment('a', 60_000, 3, 0, 'default')).isBlocked).toBe(false);
    const fourth = await storage.increment('a', 60_000, 3, 0, 'default');
    expect(fourth).toMatchObject({ totalHits: 4, isBlocked: true, timeToExpire: 60 });
  });

  it('should start a new window once the ttl has passed, and keep callers apart', async () => {
    for (let i = 0; i < 4; i++) await storage.increment('a', 60_000, 3, 0, 'default');
    expect((await storage.increment('b', 60_000, 3, 0, 'default')).isBlocked).toBe(false);
    jest.advanceTimersByTime(60_000);
    expect(await storage.increment('a', 60_000, 3, 0, 'default')).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('should stay O(1) for a busy caller (no per-hit history)', async () => {
    for (let i = 0; i < 200_000; i++) await storage.increment('busy', 60_000, 1_000_000, 0, 'default');
    expect((await storage.increment('busy', 60_000, 1_000_000, 0, 'default')).totalHits).toBe(200_001);
  });
});
