import { buildEventCounts } from './event-counts';

const AT = new Date('2026-11-23T10:00:00.000Z');

describe('buildEventCounts', () => {
  it('should divide by assigned users, not by users with events', () => {
    const result = buildEventCounts({
      experimentId: 'e-1',
      computedAt: AT,
      variants: ['control', 'green'],
      declaredMetrics: ['purchase'],
      assignments: [
        { variant: 'control', users: 4, exposures: 9 },
        { variant: 'green', users: 5, exposures: 5 },
      ],
      events: [
        { variant: 'control', eventName: 'purchase', users: 1, count: 2, sum: 30 },
        { variant: 'green', eventName: 'purchase', users: 2, count: 3, sum: 25 },
      ],
    });
    expect(result).toEqual({
      experimentId: 'e-1',
      computedAt: '2026-11-23T10:00:00.000Z',
      variants: [
        {
          name: 'control',
          users: 4,
          exposures: 9,
          metrics: { purchase: { users: 1, count: 2, sum: 30, mean: 7.5, conversionRate: 0.25 } },
        },
        { name: 'green', users: 5, exposures: 5, metrics: { purchase: { users: 2, count: 3, sum: 25, mean: 5, conversionRate: 0.4 } } },
      ],
    });
  });

  it('should report every variant and every event name, with zeros instead of NaN', () => {
    const result = buildEventCounts({
      experimentId: 'e-1',
      computedAt: AT,
      variants: ['control', 'green', 'blue'],
      declaredMetrics: ['purchase', 'error'],
      assignments: [{ variant: 'control', users: 2, exposures: 2 }],
      events: [{ variant: 'control', eventName: 'click', users: 1, count: 1, sum: 1 }],
    });
    expect(result.variants.map((v) => [v.name, v.users, v.exposures, Object.keys(v.metrics)])).toEqual([
      ['control', 2, 2, ['purchase', 'error', 'click']],
      ['green', 0, 0, ['purchase', 'error', 'click']],
      ['blue', 0, 0, ['purchase', 'error', 'click']],
    ]);
    expect(result.variants[0].metrics.click).toEqual({ users: 1, count: 1, sum: 1, mean: 0.5, conversionRate: 0.5 });
    expect(result.variants[2].metrics.click).toEqual({ users: 0, count: 0, sum: 0, mean: 0, conversionRate: 0 });
  });
});
