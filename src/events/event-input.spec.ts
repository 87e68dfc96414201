import { jsonEqual, MAX_BATCH_EVENTS, normalizeEvent, parseBatchEvent, parseTimestamp } from './event-input';

const NOW = new Date('2026-11-23T10:00:00.000Z');

describe('parseTimestamp', () => {
  it.each([
    ['2026-11-23T10:00:00.000Z', '2026-11-23T10:00:00.000Z'],
    ['2026-11-23T10:00:00Z', '2026-11-23T10:00:00.000Z'],
    ['2026-11-23T10:00Z', '2026-11-23T10:00:00.000Z'],
    ['2026-11-23T11:30:00+01:30', '2026-11-23T10:00:00.000Z'],
    ['2026-11-23T10:00:00.123456Z', '2026-11-23T10:00:00.123Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['2026-11-23T05:00:00-05:00', '2026-11-23T10:00:00.000Z'],
    ['2026-11-23T00:30:00.5+01:00', '2026-11-22T23:30:00.500Z'],
    ['0050-01-01T00:00:00Z', '0050-01-01T00:00:00.000Z'],
  ])('should read %s as %s', (text, iso) => {
    expect(parseTimestamp(text)?.toISOString()).toBe(iso);
  });

  it.each([
    '2026-11-23',
    '2026-11-23T10:00:00',
    '2026-02-30T00:00:00Z',
    '2025-02-29T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-11-23T24:00:00Z',
    '2026-11-23T10:60:00Z',
    '2026-11-23T10:00:00+0100',
    '2026-11-23T10:00:00+25:00',
    'yesterday',
    '',
  ])('should refuse %p', (text) => {
    expect(parseTimestamp(text)).toBeNull();
  });
});

describe('jsonEqual', () => {
  it.each([
    [{ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 }, true],
    [{ a: 1 }, { a: 1, b: undefined }, false],
    [{ a: [1, 2] }, { a: [2, 1] }, false],
    ['purchase', 'purchase', true],
    ['purchase', 'Purchase', false],
    [{}, [], false],
  ])('should compare %j and %j as %p', (a, b, equal) => {
    expect(jsonEqual(a, b)).toBe(equal);
  });
});

describe('normalizeEvent', () => {
  it('should default value to 1, timestamp to now and properties to null', () => {
    const result = normalizeEvent({ userId: 'u-1', eventName: 'purchase' }, NOW);
    expect(result).toEqual({
      ok: true,
      value: { userId: 'u-1', eventName: 'purchase', value: 1, propertiesJson: null, eventId: null, occurredAt: NOW },
    });
  });

  it('should take eventType and eventData as aliases', () => {
    const result = normalizeEvent({ userId: 'u-1', eventType: 'signup', eventData: { plan: 'pro' }, value: 0 }, NOW);
    expect(result.ok && result.value).toMatchObject({ eventName: 'signup', propertiesJson: '{"plan":"pro"}', value: 0 });
  });

  it('should accept an alias sent with the same value as its field', () => {
    const result = normalizeEvent(
      { userId: 'u-1', eventName: 'a', eventType: 'a', properties: { x: 1, y: 2 }, eventData: { y: 2, x: 1 } },
      NOW,
    );
    expect(result.ok).toBe(true);
  });

  it.each([
    [{ eventName: 'a', eventType: 'b' }, 'eventType'],
    [{ eventName: 'a', properties: { x: 1 }, eventData: { x: 2 } }, 'eventData'],
    [{}, 'eventName'],
    [{ eventName: 'a', timestamp: '2026-11-23T10:05:01Z' }, 'timestamp'],
    [{ eventName: 'a', timestamp: 'soon' }, 'timestamp'],
    [{ eventName: 'a', properties: { blob: 'x'.repeat(17_000) } }, 'properties'],
  ])('should refuse %j naming %s', (fields, field) => {
    const result = normalizeEvent({ userId: 'u-1', ...fields }, NOW);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.map((p) => p.field)).toEqual([field]);
  });

  it('should accept a timestamp exactly 5 minutes ahead and one exactly EVENT_BACKFILL_DAYS old', () => {
    expect(normalizeEvent({ userId: 'u', eventName: 'a', timestamp: '2026-11-23T10:05:00Z' }, NOW).ok).toBe(true);
    expect(normalizeEvent({ userId: 'u', eventName: 'a', timestamp: '2026-08-25T10:00:00Z' }, NOW).ok).toBe(true);
    expect(normalizeEvent({ userId: 'u', eventName: 'a', timestamp: '2025-11-23T10:00:00Z' }, NOW, undefined, 365).ok).toBe(true);
  });

  // Issue 13 item 3: year 0001 was accepted, and 20,000 daily points froze /results/timeseries.
  it.each(['0001-01-01T00:00:00Z', '2020-01-01T00:00:00Z', '2026-08-25T09:59:59Z'])('should refuse %s, older than 90 days', (timestamp) => {
    const result = normalizeEvent({ userId: 'u', eventName: 'a', timestamp }, NOW);
    expect(!result.ok && result.problems).toEqual([
      { field: 'timestamp', problem: 'must not be more than 90 days in the past (EVENT_BACKFILL_DAYS)' },
    ]);
  });

  // Issue 13 item 4: 1e155 was accepted and made /results fail for the experiment for good.
  it.each([1e155, -1e13, 1e12 + 1])('should refuse value %d, naming the field', (value) => {
    const result = normalizeEvent({ userId: 'u', eventName: 'a', value }, NOW);
    expect(!result.ok && result.problems).toEqual([{ field: 'value', problem: 'must be between -1e12 and 1e12' }]);
  });

  it.each([1e12, -1e12, 0, 19.99])('should accept value %d', (value) => {
    expect(normalizeEvent({ userId: 'u', eventName: 'a', value }, NOW).ok).toBe(true);
  });

  it('should name the route fields of the conversions form', () => {
    const result = normalizeEvent({ userId: 'u' }, NOW, { eventName: 'metricName', properties: 'metadata' });
    expect(!result.ok && result.problems).toEqual([{ field: 'metricName', problem: 'is required' }]);
  });

  it('should refuse properties holding U+0000 anywhere (jsonb cannot), but not an escaped backslash before u0000', () => {
    for (const properties of [{ note: 'a\u0000' }, { ['k\u0000']: 1 }, { deep: { list: ['\\\u0000'] } }]) {
      const result = normalizeEvent({ userId: 'u', eventName: 'a', properties }, NOW);
      expect(result.ok ? 'accepted' : result.problems).toEqual([
        { field: 'properties', problem: 'must not contain the NUL character (\\u0000)' },
      ]);
    }
    const literal = normalizeEvent({ userId: 'u', eventName: 'a', properties: { note: '\\u0000 is how JSON writes NUL' } }, NOW);
    expect(literal.ok && literal.value.propertiesJson).toBe('{"note":"\\\\u0000 is how JSON writes NUL"}');
  });

  it('should treat null optional fields as not sent', () => {
    const result = normalizeEvent({ userId: 'u', eventName: 'a', properties: null, eventId: null, timestamp: null }, NOW);
    expect(result.ok && result.value).toMatchObject({ propertiesJson: null, eventId: null, occurredAt: NOW });
  });
});

describe('parseBatchEvent', () => {
  const good = { experiment: 'checkout', userId: 'u-1', eventName: 'purchase' };

  it('should accept a minimal event and keep its experiment reference', () => {
    const result = parseBatchEvent(good, NOW);
    expect(result.ok && result.value).toMatchObject({ experiment: 'checkout', userId: 'u-1', eventName: 'purchase', value: 1 });
  });

  it.each([
    [null, 'event must be an object'],
    [[good], 'event must be an object'],
    ['purchase', 'event must be an object'],
    [{ ...good, value: '5' }, 'value must be a finite number'],
    [{ ...good, value: true }, 'value must be a finite number'],
    [{ ...good, value: null }, 'value must be a finite number'],
    [{ ...good, value: Infinity }, 'value must be a finite number'],
    [{ ...good, value: Number.NaN }, 'value must be a finite number'],
    [{ ...good, experiment: undefined }, 'experiment is required'],
    [{ ...good, userId: '' }, 'userId must be 1 to 256 characters long'],
    [{ ...good, userId: 'u'.repeat(257) }, 'userId must be 1 to 256 characters long'],
    [{ ...good, userId: 42 }, 'userId must be a string'],
    [{ ...good, eventName: undefined }, 'eventName is required (or its alias eventType)'],
    [{ ...good, eventId: 'e'.repeat(201) }, 'eventId must be 1 to 200 characters long'],
    [{ ...good, properties: [1] }, 'properties must be an object'],
    [{ ...good, colour: 'red' }, 'colour is not a known field'],
    [{ ...good, eventType: 'other' }, 'eventType is an alias of eventName and conflicts with it: send only one of them'],
    [{ ...good, timestamp: '2026-11-23T10:06:00Z' }, 'timestamp must not be more than 5 minutes in the future'],
  ])('should refuse %j with %p', (raw, message) => {
    const result = parseBatchEvent(raw, NOW);
    expect(!result.ok && result.problems.map((p) => `${p.field} ${p.problem}`).join('; ')).toBe(message);
  });

  it('should report every problem of an event at once', () => {
    const result = parseBatchEvent({ userId: 7, value: 'x' }, NOW);
    expect(!result.ok && result.problems.map((p) => p.field)).toEqual(['experiment', 'userId', 'value']);
  });

  it('should allow up to 10,000 events per batch', () => {
    expect(MAX_BATCH_EVENTS).toBe(10_000);
  });
});
