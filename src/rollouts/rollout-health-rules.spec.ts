import { InvalidInputError } from '../common/errors';
import { checkHealthReport, HealthReportInput, MAX_LATENCY_MS, MAX_OBSERVATIONS, parseObservations } from './rollout-health-rules';

const NOW = new Date('2026-11-23T12:00:00.000Z');

function fieldsOf(attempt: () => unknown): string[] {
  try {
    attempt();
  } catch (error) {
    if (error instanceof InvalidInputError) return (error.details ?? []).map((d) => d.field);
    throw error;
  }
  return [];
}

describe('checkHealthReport', () => {
  it('should fill the defaults and read the window as dates', () => {
    expect(
      checkHealthReport({ requests: 10, errors: 1, windowStart: '2026-11-23T11:00:00Z', windowEnd: '2026-11-23T11:05:00Z' }, NOW),
    ).toEqual({
      requests: 10,
      errors: 1,
      latencyP95Ms: null,
      labeled: 0,
      correct: 0,
      windowStart: new Date('2026-11-23T11:00:00Z'),
      windowEnd: new Date('2026-11-23T11:05:00Z'),
    });
  });

  const cases: Array<[string, Partial<HealthReportInput>, string[]]> = [
    ['errors above requests', { requests: 10, errors: 11 }, ['errors']],
    ['correct above labeled', { labeled: 5, correct: 6 }, ['correct']],
    ['correct without labels', { correct: 1 }, ['correct']],
    ['a window that ends before it starts', { windowStart: '2026-11-23T11:05:00Z', windowEnd: '2026-11-23T11:00:00Z' }, ['windowEnd']],
    ['a window end more than 5 minutes ahead', { windowEnd: '2026-11-23T12:05:01Z' }, ['windowEnd']],
    ['a window start far in the future', { windowStart: '9999-01-01T00:00:00Z' }, ['windowStart']],
    ['a window start before 2000', { windowStart: '0001-01-01T00:00:00Z' }, ['windowStart']],
    ['an unreadable date', { windowStart: 'not a date' }, ['windowStart']],
  ];

  it.each(cases)('should refuse %s, naming the field', (_, input, fields) => {
    expect(fieldsOf(() => checkHealthReport({ requests: 10, errors: 0, ...input }, NOW))).toEqual(fields);
  });

  it.each([
    ['a window end exactly 5 minutes ahead', { windowEnd: '2026-11-23T12:05:00Z' }],
    ['a window from 2000', { windowStart: '2000-01-01T00:00:00Z' }],
    ['errors equal to requests', { requests: 3, errors: 3 }],
  ])('should accept %s', (_, input) => {
    expect(fieldsOf(() => checkHealthReport({ requests: 10, errors: 0, ...input }, NOW))).toEqual([]);
  });

  it('should name every problem at once', () => {
    expect(
      fieldsOf(() => checkHealthReport({ requests: 1, errors: 2, labeled: 0, correct: 1, windowEnd: '2030-01-01T00:00:00Z' }, NOW)),
    ).toEqual(['errors', 'correct', 'windowEnd']);
  });
});

describe('parseObservations', () => {
  it('should turn items into three columns, unlabeled as null', () => {
    expect(
      parseObservations([{ latencyMs: 120, error: false, correct: true }, { error: true }, { latencyMs: null, correct: null }]),
    ).toEqual({
      latencyMs: [120, null, null],
      error: [false, true, false],
      correct: [true, null, null],
    });
  });

  it.each([
    ['no observations', [], 'observations'],
    ['too many observations', Array.from({ length: MAX_OBSERVATIONS + 1 }, () => ({})), 'observations'],
    ['a negative latency', [{ latencyMs: -1 }], 'observations[0].latencyMs'],
    ['a latency above an hour', [{ latencyMs: MAX_LATENCY_MS + 1 }], 'observations[0].latencyMs'],
    ['an infinite latency', [{ latencyMs: Infinity }], 'observations[0].latencyMs'],
    ['a latency as a string', [{ latencyMs: '5' }], 'observations[0].latencyMs'],
    ['an error that is not a boolean', [{}, { error: 'no' }], 'observations[1].error'],
    ['a correct that is not a boolean', [{ correct: 1 }], 'observations[0].correct'],
    ['an unknown field', [{ colour: 'red' }], 'observations[0].colour'],
    ['an item that is not an object', [42], 'observations[0]'],
  ])('should refuse %s, naming the item', (_, items, field) => {
    expect(fieldsOf(() => parseObservations(items))).toEqual([field]);
  });

  it('should accept a latency of exactly an hour', () => {
    expect(parseObservations([{ latencyMs: MAX_LATENCY_MS }]).latencyMs).toEqual([MAX_LATENCY_MS]);
  });

  it('should list at most 20 problems however many items are bad', () => {
    expect(fieldsOf(() => parseObservations(Array.from({ length: 500 }, () => ({ latencyMs: -1 }))))).toHaveLength(20);
  });
});
