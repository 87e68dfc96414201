import { InvalidInputError } from '../common/errors';
import { assembleDefinition, changedFields, DEFAULT_STAGES, DEFAULT_THRESHOLDS, newDefinition, percentageProblems } from './rollout-rules';
import type { RolloutDefinition } from './rollout.model';

const BASE: RolloutDefinition = newDefinition({ name: 'ranker', modelVersion: 'v2' });

function problemsOf(attempt: () => unknown): string[] {
  try {
    attempt();
  } catch (error) {
    if (error instanceof InvalidInputError) return (error.details ?? []).map((d) => d.field);
    throw error;
  }
  return [];
}

describe('newDefinition', () => {
  it('should take the contract defaults for everything not given', () => {
    expect(BASE).toEqual({
      name: 'ranker',
      description: null,
      modelVersion: 'v2',
      baselineVersion: null,
      startTime: null,
      stages: DEFAULT_STAGES,
      healthThresholds: DEFAULT_THRESHOLDS,
      webhookUrl: null,
    });
  });

  it('should merge thresholds key by key, null disabling one', () => {
    expect(
      newDefinition({ name: 'a', modelVersion: 'v', healthThresholds: { maxLatencyMs: null, minRequests: 5 } }).healthThresholds,
    ).toEqual({
      ...DEFAULT_THRESHOLDS,
      maxLatencyMs: null,
      minRequests: 5,
    });
  });

  it('should store percentages as whole hundredths and read the start time as a date', () => {
    const def = newDefinition({
      name: 'a',
      modelVersion: 'v',
      schedule: {
        startTime: '2026-11-23T10:00:00Z',
        stages: [
          { percentage: 0.07 * 100, durationHours: 1 },
          { percentage: 100, durationHours: 2 },
        ],
      },
    });
    expect(def.stages).toEqual([
      { percentage: 7, durationHours: 1 },
      { percentage: 100, durationHours: 2 },
    ]);
    expect(def.startTime).toEqual(new Date('2026-11-23T10:00:00Z'));
  });

  it.each([
    ['a blank name', { name: '  ' }, ['name']],
    ['a blank model version', { modelVersion: ' ' }, ['modelVersion']],
    ['stages that do not end at 100', { schedule: { stages: [{ percentage: 5, durationHours: 1 }] } }, ['schedule.stages[0].percentage']],
    [
      'decreasing stages with a zero duration',
      {
        schedule: {
          stages: [
            { percentage: 50, durationHours: 0 },
            { percentage: 25, durationHours: 1 },
            { percentage: 100, durationHours: 1 },
          ],
        },
      },
      ['schedule.stages[0].durationHours', 'schedule.stages[1].percentage'],
    ],
  ])('should refuse %s with one 400 naming every field', (_, input, fields) => {
    expect(problemsOf(() => newDefinition({ name: 'a', modelVersion: 'v', ...input }))).toEqual(fields);
  });

  it('should take null stages as the default schedule instead of failing', () => {
    expect(newDefinition({ name: 'a', modelVersion: 'v', schedule: { stages: null } }).stages).toEqual(DEFAULT_STAGES);
  });
});

describe('assembleDefinition', () => {
  it('should keep what the input leaves out and clear what it sets to null', () => {
    const current: RolloutDefinition = {
      ...BASE,
      description: 'd',
      baselineVersion: 'v1',
      webhookUrl: 'https://h.example',
      startTime: new Date(0),
    };
    expect(assembleDefinition(current, {})).toEqual(current);
    expect(
      assembleDefinition(current, { description: null, baselineVersion: null, webhookUrl: null, schedule: { startTime: null } }),
    ).toEqual({
      ...current,
      description: null,
      baselineVersion: null,
      webhookUrl: null,
      startTime: null,
    });
  });
});

describe('changedFields', () => {
  it('should compare by value, as jsonb does', () => {
    const next = assembleDefinition(BASE, { schedule: { stages: DEFAULT_STAGES.map((s) => ({ ...s })) }, name: 'other' });
    expect(changedFields(BASE, next)).toEqual(['name']);
  });
});

describe('percentageProblems', () => {
  it.each([
    [12.5, []],
    [0.07 * 100, []],
    [12.345, ['percentage']],
  ])('should judge %p', (value, fields) => {
    expect(percentageProblems(value).map((p) => p.field)).toEqual(fields);
  });
});
