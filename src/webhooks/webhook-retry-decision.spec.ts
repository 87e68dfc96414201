import { decideAfterAttempt, isSuccessStatus, MAX_ATTEMPTS, nominalRetryDelayMs, retryDelayMs } from './webhook-retry-decision';

const now = new Date('2026-11-23T10:00:00.000Z');
const failure = { ok: false as const, statusCode: 503, error: 'HTTP 503' };

describe('nominalRetryDelayMs', () => {
  it('should grow by 3 from 5 s and stop at 6 h', () => {
    const schedule = Array.from({ length: MAX_ATTEMPTS - 1 }, (_, i) => nominalRetryDelayMs(i + 1) / 1000);
    expect(schedule).toEqual([5, 15, 45, 135, 405, 1215, 3645, 10935, 21600, 21600, 21600]);
    // The documented give-up point: about 22.6 h after the first attempt.
    expect(schedule.reduce((a, b) => a + b, 0) / 3600).toBeCloseTo(22.56, 2);
  });
});

describe('retryDelayMs', () => {
  it('should stay within ±20 % of the nominal delay', () => {
    expect(retryDelayMs(1, 0)).toBe(4000);
    expect(retryDelayMs(1, 0.5)).toBe(5000);
    expect(retryDelayMs(1, 0.999999)).toBe(6000);
    expect(retryDelayMs(3, 0.25)).toBe(40_500);
  });
});

describe('decideAfterAttempt', () => {
  it('should record a success as delivered, whatever the attempt', () => {
    expect(decideAfterAttempt(1, { ok: true, statusCode: 204 }, now, 0.5)).toEqual({ status: 'delivered' });
    expect(decideAfterAttempt(MAX_ATTEMPTS, { ok: true, statusCode: 200 }, now, 0.5)).toEqual({ status: 'delivered' });
  });

  it('should schedule the next attempt after a failure', () => {
    expect(decideAfterAttempt(2, failure, now, 0.5)).toEqual({
      status: 'pending',
      delayMs: 15_000,
      nextAttemptAt: new Date('2026-11-23T10:00:15.000Z'),
    });
    expect(decideAfterAttempt(1, { ok: false, statusCode: null, error: 'connection refused' }, now, 0)).toMatchObject({
      status: 'pending',
      delayMs: 4000,
    });
  });

  it('should give up after the last attempt', () => {
    expect(decideAfterAttempt(MAX_ATTEMPTS - 1, failure, now, 0.5).status).toBe('pending');
    expect(decideAfterAttempt(MAX_ATTEMPTS, failure, now, 0.5)).toEqual({ status: 'failed' });
    expect(decideAfterAttempt(MAX_ATTEMPTS + 3, failure, now, 0.5)).toEqual({ status: 'failed' });
  });
});

describe('isSuccessStatus', () => {
  it('should take 2xx only: redirects and errors are failures', () => {
    expect([200, 201, 204, 299].map(isSuccessStatus)).toEqual([true, true, true, true]);
    expect([100, 199, 301, 302, 304, 400, 410, 429, 500].map(isSuccessStatus)).toEqual(Array(9).fill(false));
  });
});
