import type { HistoryEntry, LastHealth, RolloutAction } from './rollout.model';
import { rolloutEvents } from './rollout-events';

const AT = new Date('2026-03-01T12:00:00.000Z');
const rollout = { id: 'r-1', name: 'v2', modelVersion: 'v2', status: 'running', percentage: 25, currentStage: 1 };
const health = {
  verdict: 'unhealthy',
  failedChecks: [{ check: 'errorRate', value: 0.1, threshold: 0.05, comparison: '>' }],
} as unknown as LastHealth;

function row(action: RolloutAction, overrides: Partial<HistoryEntry> = {}): HistoryEntry {
  return { at: AT, action, fromPercentage: 5, toPercentage: 25, stage: 1, reason: null, health: null, actor: 'admin', ...overrides };
}

describe(rolloutEvents.name, () => {
  it.each<[RolloutAction, string | null]>([
    ['created', null],
    ['updated', null],
    ['scheduled', null],
    ['manual_percentage', null],
    ['health_failed', null],
    ['started', 'rollout.started'],
    ['advanced', 'rollout.advanced'],
    ['held', 'rollout.held'],
    ['paused', 'rollout.paused'],
    ['resumed', 'rollout.resumed'],
    ['promoted', 'rollout.promoted'],
    ['completed', 'rollout.completed'],
    ['rolled_back', 'rollout.rolled_back'],
  ])('should turn a %s history row into %s', (action, type) => {
    expect(rolloutEvents(rollout, [row(action)]).map((e) => e.type)).toEqual(type ? [type] : []);
  });

  it('should carry the row: time, percentages, stage, reason, health, failed checks and who triggered it', () => {
    const [event] = rolloutEvents(rollout, [
      row('health_failed', { actor: 'scheduler', health }),
      row('rolled_back', { actor: 'scheduler', toPercentage: 0, reason: 'automatic rollback: error rate', health }),
    ]);
    expect(event).toEqual({
      type: 'rollout.rolled_back',
      timestamp: AT,
      data: {
        rollout,
        trigger: 'automatic',
        reason: 'automatic rollback: error rate',
        fromPercentage: 5,
        toPercentage: 0,
        stage: 1,
        health,
        failedChecks: health.failedChecks,
      },
    });
    expect(rolloutEvents(rollout, [row('paused')])[0].data).toMatchObject({ trigger: 'manual', health: null, failedChecks: [] });
  });
});
