import {
  assessHealth,
  decideRolloutStep,
  describeFailedChecks,
  lastHealthOf,
  nextStageAbove,
  stageForPercentage,
  StepAction,
  StepDecision,
} from './rollout-decision';
import type { HealthThresholds, HealthWindow, RolloutStage, RolloutState } from './rollout.model';

const STAGES: RolloutStage[] = [
  { percentage: 5, durationHours: 2 },
  { percentage: 25, durationHours: 4 },
  { percentage: 50, durationHours: 8 },
  { percentage: 75, durationHours: 12 },
  { percentage: 100, durationHours: 24 },
];
const THRESHOLDS: HealthThresholds = { maxErrorRate: 0.05, maxLatencyMs: 200, minAccuracy: 0.75, minRequests: 100 };
const NOW = new Date('2026-11-23T12:00:00.000Z');
const hoursAgo = (h: number): Date => new Date(NOW.getTime() - h * 3_600_000);

function rollout(overrides: Partial<RolloutState> = {}): RolloutState {
  return {
    status: 'running',
    percentage: 5,
    currentStage: 0,
    stageStartedAt: hoursAgo(1),
    startTime: null,
    stages: STAGES,
    healthThresholds: THRESHOLDS,
    ...overrides,
  };
}

function window(overrides: Partial<HealthWindow> = {}): HealthWindow {
  return { requests: 1000, errors: 10, labeled: 200, correct: 180, latencyP95Ms: 120, ...overrides };
}

describe('decideRolloutStep', () => {
  const cases: Array<{
    name: string;
    rollout: Partial<RolloutState>;
    health: Partial<HealthWindow> | null;
    action: StepAction;
    target?: { stage: number; percentage: number } | null;
    failed?: string[];
  }> = [
    {
      name: 'starts a scheduled rollout whose start time passed',
      rollout: { status: 'scheduled', startTime: hoursAgo(0.1), stageStartedAt: null, percentage: 0 },
      health: null,
      action: 'start',
      target: { stage: 0, percentage: 5 },
    },
    {
      name: 'starts a scheduled rollout with the start time exactly now',
      rollout: { status: 'scheduled', startTime: NOW, stageStartedAt: null, percentage: 0 },
      health: null,
      action: 'start',
      target: { stage: 0, percentage: 5 },
    },
    {
      name: 'starts a scheduled rollout without a start time',
      rollout: { status: 'scheduled', startTime: null, stageStartedAt: null, percentage: 0 },
      health: null,
      action: 'start',
    },
    {
      name: 'waits for a future start time',
      rollout: { status: 'scheduled', startTime: hoursAgo(-1), stageStartedAt: null, percentage: 0 },
      health: null,
      action: 'none',
    },
    { name: 'does nothing while paused, even with failing health', rollout: { status: 'paused' }, health: { errors: 900 }, action: 'none' },
    { name: 'does nothing for a draft', rollout: { status: 'draft', stageStartedAt: null, percentage: 0 }, health: null, action: 'none' },
    { name: 'does nothing for a completed rollout', rollout: { status: 'completed', percentage: 100 }, health: {}, action: 'none' },
    { name: 'does nothing for a rolled back rollout', rollout: { status: 'rolled_back', percentage: 0 }, health: {}, action: 'none' },
    { name: 'keeps a healthy stage whose time is not up', rollout: {}, health: {}, action: 'none' },
    {
      name: 'advances a healthy stage whose time is up',
      rollout: { stageStartedAt: hoursAgo(2) },
      health: {},
      action: 'advance',
      target: { stage: 1, percentage: 25 },
    },
    {
      name: 'advances from the middle',
      rollout: { currentStage: 2, percentage: 50, stageStartedAt: hoursAgo(9) },
      health: {},
      action: 'advance',
      target: { stage: 3, percentage: 75 },
    },
    {
      name: 'completes after the last stage',
      rollout: { currentStage: 4, percentage: 100, stageStartedAt: hoursAgo(24) },
      health: {},
      action: 'complete',
      target: { stage: 4, percentage: 100 },
    },
    {
      name: 'keeps the last stage until its time is up',
      rollout: { currentStage: 4, percentage: 100, stageStartedAt: hoursAgo(23.9) },
      health: {},
      action: 'none',
    },
    {
      name: 'advances from a manual percentage to the next stage above it',
      rollout: { currentStage: 1, percentage: 30, stageStartedAt: hoursAgo(4) },
      health: {},
      action: 'advance',
      target: { stage: 2, percentage: 50 },
    },
    {
      name: 'advances from 0 % (manual) to the first stage',
      rollout: { currentStage: 0, percentage: 0, stageStartedAt: hoursAgo(2) },
      health: {},
      action: 'advance',
      target: { stage: 0, percentage: 5 },
    },
    {
      name: 'holds a due stage without enough requests',
      rollout: { stageStartedAt: hoursAgo(3) },
      health: { requests: 99, errors: 0 },
      action: 'hold',
    },
    { name: 'waits quietly for data before the stage is due', rollout: {}, health: { requests: 10, errors: 0 }, action: 'none' },
    {
      name: 'never rolls back on too few requests, even at 100 % errors',
      rollout: { stageStartedAt: hoursAgo(3) },
      health: { requests: 50, errors: 50 },
      action: 'hold',
    },
    {
      name: 'rolls back on the error rate at once, before the stage is due',
      rollout: { currentStage: 1, percentage: 25, stageStartedAt: hoursAgo(0.01) },
      health: { requests: 1000, errors: 100 },
      action: 'rollback',
      failed: ['errorRate'],
    },
    { name: 'rolls back on latency', rollout: {}, health: { latencyP95Ms: 250 }, action: 'rollback', failed: ['latencyP95Ms'] },
    { name: 'rolls back on accuracy', rollout: {}, health: { labeled: 200, correct: 100 }, action: 'rollback', failed: ['accuracy'] },
    {
      name: 'names every failed check',
      rollout: {},
      health: { errors: 100, latencyP95Ms: 201, correct: 10 },
      action: 'rollback',
      failed: ['errorRate', 'latencyP95Ms', 'accuracy'],
    },
    {
      name: 'passes a value exactly at the threshold',
      rollout: { stageStartedAt: hoursAgo(2) },
      health: { requests: 1000, errors: 50, latencyP95Ms: 200, labeled: 100, correct: 75 },
      action: 'advance',
    },
    {
      name: 'skips accuracy without labels',
      rollout: { stageStartedAt: hoursAgo(2) },
      health: { labeled: 0, correct: 0 },
      action: 'advance',
    },
    {
      name: 'skips latency without latency data',
      rollout: { stageStartedAt: hoursAgo(2) },
      health: { latencyP95Ms: null },
      action: 'advance',
    },
    {
      name: 'ignores disabled thresholds',
      rollout: {
        stageStartedAt: hoursAgo(2),
        healthThresholds: { maxErrorRate: null, maxLatencyMs: null, minAccuracy: null, minRequests: 100 },
      },
      health: { errors: 999, latencyP95Ms: 9999, correct: 0 },
      action: 'advance',
    },
    {
      name: 'advances on time with no data when minRequests is disabled',
      rollout: { stageStartedAt: hoursAgo(2), healthThresholds: { ...THRESHOLDS, minRequests: null } },
      health: { requests: 0, errors: 0, labeled: 0, correct: 0, latencyP95Ms: null },
      action: 'advance',
    },
  ];

  it.each(cases)('should $action when it $name', ({ rollout: overrides, health, action, target, failed }) => {
    const step = decideRolloutStep(rollout(overrides), health === null ? null : window(health), NOW);
    expect(step.action).toBe(action);
    if (target !== undefined) expect(targetOf(step)).toEqual(target);
    expect(step.action === 'rollback' ? step.failedChecks.map((c) => c.check) : []).toEqual(failed ?? []);
    expect(step.reason.length).toBeGreaterThan(0);
  });

  it('should carry the health it judged on every decision about a running rollout, and the failed checks on a rollback', () => {
    for (const { rollout: overrides, health } of cases) {
      const state = rollout(overrides);
      const step = decideRolloutStep(state, health === null ? null : window(health), NOW);
      if (step.action === 'start') continue;
      if (state.status === 'running' && health !== null) expect(step.health).not.toBeNull();
      if (step.action === 'rollback') expect(step.failedChecks).toEqual(step.health.failedChecks);
      else if (step.health) expect(step.health.failedChecks).toEqual([]);
    }
  });

  it('should report waiting_for_data as the verdict of a hold', () => {
    const step = decideRolloutStep(rollout({ stageStartedAt: hoursAgo(3) }), window({ requests: 42, errors: 1 }), NOW);
    expect(step.action).toBe('hold');
    expect(step.action === 'hold' && step.health.verdict).toBe('waiting_for_data');
    expect(step.reason).toContain('42 of 100 requests');
  });

  it('should name value and threshold of each failed check in the reason', () => {
    const step = decideRolloutStep(
      rollout({ currentStage: 1, percentage: 25 }),
      window({ requests: 1000, errors: 100, latencyP95Ms: 250 }),
      NOW,
    );
    expect(step.reason).toContain('errorRate 0.1 > maxErrorRate 0.05');
    expect(step.reason).toContain('latencyP95Ms 250 > maxLatencyMs 200');
    expect(step.reason).toContain('stage 2 of 5 (25 %)');
  });

  it('should be a pure function: the same inputs give the same decision', () => {
    const input = rollout({ stageStartedAt: hoursAgo(2) });
    expect(decideRolloutStep(input, window(), NOW)).toEqual(decideRolloutStep(input, window(), NOW));
  });
});

function targetOf(step: StepDecision): { stage: number; percentage: number } | null {
  return step.action === 'start' || step.action === 'advance' || step.action === 'complete' ? step.target : null;
}

describe('lastHealthOf', () => {
  it('should stamp the assessment with the window it measured, its stage and the time', () => {
    const state = rollout({ currentStage: 1, percentage: 25, stageStartedAt: hoursAgo(1) });
    const health = assessHealth(window(), THRESHOLDS);
    expect(lastHealthOf(health, { ...window(), reports: 3, observations: 40 }, state, NOW)).toEqual({
      ...health,
      reports: 3,
      observations: 40,
      stage: 1,
      percentage: 25,
      windowStart: hoursAgo(1).toISOString(),
      evaluatedAt: NOW.toISOString(),
    });
  });

  it('should be null when nothing was measured', () => {
    expect(lastHealthOf(null, null, rollout(), NOW)).toBeNull();
    expect(lastHealthOf(assessHealth(window(), THRESHOLDS), null, rollout(), NOW)).toBeNull();
  });
});

describe('assessHealth', () => {
  it('should compute error rate and accuracy as ratios', () => {
    const health = assessHealth(window({ requests: 1000, errors: 12, labeled: 200, correct: 170 }), THRESHOLDS);
    expect(health.errorRate).toBeCloseTo(0.012, 12);
    expect(health.accuracy).toBeCloseTo(0.85, 12);
    expect(health.verdict).toBe('healthy');
  });

  it('should leave ratios null without a denominator', () => {
    const health = assessHealth(window({ requests: 0, errors: 0, labeled: 0, correct: 0 }), { ...THRESHOLDS, minRequests: 0 });
    expect(health.errorRate).toBeNull();
    expect(health.accuracy).toBeNull();
    expect(health.verdict).toBe('healthy');
  });
});

describe('describeFailedChecks', () => {
  it('should join checks with their thresholds', () => {
    expect(
      describeFailedChecks([
        { check: 'accuracy', value: 0.5, threshold: 0.75, comparison: '<' },
        { check: 'errorRate', value: 1 / 3, threshold: 0.05, comparison: '>' },
      ]),
    ).toBe('accuracy 0.5 < minAccuracy 0.75; errorRate 0.3333 > maxErrorRate 0.05');
  });
});

describe('stageForPercentage', () => {
  it.each([
    [0, 0],
    [4.99, 0],
    [5, 0],
    [12.5, 0],
    [25, 1],
    [49.99, 1],
    [75, 3],
    [100, 4],
  ])('should put %p %% in stage %p', (percentage, stage) => {
    expect(stageForPercentage(STAGES, percentage)).toBe(stage);
  });
});

describe('nextStageAbove', () => {
  it.each([
    [0, 0],
    [5, 1],
    [30, 2],
    [99.99, 4],
    [100, -1],
  ])('should go from %p %% to stage %p', (percentage, stage) => {
    expect(nextStageAbove(STAGES, percentage)).toBe(stage);
  });
});
