import { ConflictError, InvalidInputError } from '../common/errors';
import { AdminCommandKind, ALLOWED_COMMANDS, applyCommand, assertAllowed, newRollout, RolloutCommand } from './rollout-command-decision';
import { decideRolloutStep } from './rollout-decision';
import { DEFAULT_STAGES, DEFAULT_THRESHOLDS, newDefinition } from './rollout-rules';
import { ROLLOUT_STATUSES, RolloutRecord, RolloutStatus, WindowHealth } from './rollout.model';

const NOW = new Date('2026-11-23T12:00:00.000Z');
const EARLIER = new Date('2026-11-23T09:00:00.000Z');
const hoursAgo = (h: number): Date => new Date(NOW.getTime() - h * 3_600_000);

function record(overrides: Partial<RolloutRecord> = {}): RolloutRecord {
  return {
    name: 'ranker',
    description: null,
    modelVersion: 'v2',
    baselineVersion: 'v1',
    startTime: null,
    stages: DEFAULT_STAGES.map((s) => ({ ...s })),
    healthThresholds: { ...DEFAULT_THRESHOLDS },
    webhookUrl: null,
    status: 'running',
    percentage: 5,
    currentStage: 0,
    stageStartedAt: hoursAgo(1),
    lastHealth: null,
    rollbackReason: null,
    createdAt: EARLIER,
    updatedAt: EARLIER,
    startedAt: hoursAgo(1),
    completedAt: null,
    ...overrides,
  };
}

/** A rollout in `status` as the lifecycle leaves it there. */
function inStatus(status: RolloutStatus): RolloutRecord {
  switch (status) {
    case 'draft':
      return record({ status, percentage: 0, stageStartedAt: null, startedAt: null });
    case 'scheduled':
      return record({ status, percentage: 0, stageStartedAt: null, startedAt: null, startTime: hoursAgo(-1) });
    case 'running':
    case 'paused':
      return record({ status });
    case 'completed':
      return record({ status, percentage: 100, currentStage: 4, completedAt: EARLIER });
    case 'rolled_back':
      return record({ status, percentage: 0, rollbackReason: 'bad' });
  }
}

const ADMIN_KINDS: AdminCommandKind[] = ['start', 'pause', 'resume', 'promote', 'rollback', 'percentage', 'update', 'delete'];

function adminCommand(kind: Exclude<AdminCommandKind, 'delete'>): RolloutCommand {
  if (kind === 'percentage') return { kind, actor: 'admin', percentage: 50 };
  if (kind === 'update') return { kind, actor: 'admin', changes: { description: 'x' } };
  return { kind, actor: 'admin' };
}

const WINDOW: WindowHealth = { requests: 1000, errors: 10, labeled: 200, correct: 180, latencyP95Ms: 120, reports: 2, observations: 0 };

function step(rollout: RolloutRecord, window: Partial<WindowHealth> | null, heldThisStage = false): RolloutCommand {
  const measured = window === null ? null : { ...WINDOW, ...window };
  return { kind: 'step', step: decideRolloutStep(rollout, measured, NOW), window: measured, heldThisStage };
}

function rows(result: ReturnType<typeof applyCommand>): Array<[string, number | null, number | null, number | null, string]> {
  return result.history.map((h) => [h.action, h.fromPercentage, h.toPercentage, h.stage, h.actor]);
}

describe('newRollout', () => {
  it('should make a draft at 0 % with a created row, which an admin may then start', () => {
    const { record, history } = newRollout(newDefinition({ name: 'ranker', modelVersion: 'v2' }), 'admin', NOW);
    expect(record).toMatchObject({ status: 'draft', percentage: 0, currentStage: 0, stageStartedAt: null, createdAt: NOW, updatedAt: NOW });
    expect(history).toEqual([
      { at: NOW, action: 'created', fromPercentage: null, toPercentage: 0, stage: 0, reason: null, health: null, actor: 'admin' },
    ]);
    expect(applyCommand(record, { kind: 'start', actor: 'admin' }, NOW).patch).toMatchObject({ status: 'running', percentage: 5 });
  });
});

describe('applyCommand', () => {
  describe('which status accepts which admin command', () => {
    const matrix = ROLLOUT_STATUSES.flatMap((status) => ADMIN_KINDS.map((kind) => [status, kind] as const));

    it.each(matrix)('should let a %s rollout %s only when ALLOWED_COMMANDS says so, else 409 listing what is allowed', (status, kind) => {
      const rollout = inStatus(status);
      const attempt = (): unknown => (kind === 'delete' ? assertAllowed(rollout, kind) : applyCommand(rollout, adminCommand(kind), NOW));
      if (ALLOWED_COMMANDS[status].includes(kind)) {
        expect(attempt).not.toThrow();
        return;
      }
      let error: unknown;
      try {
        attempt();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConflictError);
      expect((error as ConflictError).extra).toEqual({ status, allowed: ALLOWED_COMMANDS[status] });
    });

    it.each([
      ['draft', 'percentage', 'cannot set the percentage of a draft rollout: start it first'],
      ['completed', 'percentage', 'cannot set the percentage of a completed rollout'],
      ['rolled_back', 'pause', 'cannot pause a rolled back rollout'],
      ['running', 'delete', 'rollout ranker is running: roll it back or promote it before deleting'],
    ] as const)('should say why a %s rollout cannot %s', (status, kind, message) => {
      const attempt = (): unknown =>
        kind === 'delete' ? assertAllowed(inStatus(status), kind) : applyCommand(inStatus(status), adminCommand(kind), NOW);
      expect(attempt).toThrow(message);
    });
  });

  describe('admin commands', () => {
    const cases: Array<{
      name: string;
      rollout: RolloutRecord;
      command: RolloutCommand;
      patch: Partial<RolloutRecord>;
      history: ReturnType<typeof rows>;
      reason?: string | null;
    }> = [
      {
        name: 'start a draft at stage 0 now',
        rollout: inStatus('draft'),
        command: { kind: 'start', actor: 'admin' },
        patch: { status: 'running', percentage: 5, currentStage: 0, stageStartedAt: NOW, startedAt: NOW, updatedAt: NOW },
        history: [['started', 0, 5, 0, 'admin']],
        reason: null,
      },
      {
        name: 'start a rolled back rollout again from stage 0, clearing its reason and health',
        rollout: record({ status: 'rolled_back', percentage: 0, currentStage: 2, rollbackReason: 'bad', completedAt: EARLIER }),
        command: { kind: 'start', actor: 'admin', reason: 'retry' },
        patch: { status: 'running', percentage: 5, currentStage: 0, rollbackReason: null, lastHealth: null, completedAt: null },
        history: [['started', 0, 5, 0, 'admin']],
        reason: 'retry',
      },
      {
        name: 'schedule a draft whose start time is in the future',
        rollout: inStatus('draft'),
        command: { kind: 'start', actor: 'admin', startTime: hoursAgo(-2) },
        patch: { status: 'scheduled', percentage: 0, stageStartedAt: null, startTime: hoursAgo(-2), updatedAt: NOW },
        history: [['scheduled', 0, 0, 0, 'admin']],
        reason: `starts at ${hoursAgo(-2).toISOString()}`,
      },
      {
        name: 'start at once when the schedule start time has passed',
        rollout: record({ status: 'draft', percentage: 0, startTime: hoursAgo(1), stageStartedAt: null }),
        command: { kind: 'start', actor: 'admin' },
        patch: { status: 'running', percentage: 5, stageStartedAt: NOW },
        history: [['started', 0, 5, 0, 'admin']],
      },
      {
        name: 'pause, keeping the percentage',
        rollout: inStatus('running'),
        command: { kind: 'pause', actor: 'admin', reason: 'weekend' },
        patch: { status: 'paused', updatedAt: NOW },
        history: [['paused', 5, 5, 0, 'admin']],
        reason: 'weekend',
      },
      {
        name: 'resume, restarting the stage timer',
        rollout: inStatus('paused'),
        command: { kind: 'resume', actor: 'admin' },
        patch: { status: 'running', stageStartedAt: NOW, updatedAt: NOW },
        history: [['resumed', 5, 5, 0, 'admin']],
      },
      {
        name: 'promote to 100 % at the last stage',
        rollout: inStatus('running'),
        command: { kind: 'promote', actor: 'admin' },
        patch: {
          status: 'completed',
          percentage: 100,
          currentStage: 4,
          completedAt: NOW,
          startedAt: hoursAgo(1),
          stageStartedAt: hoursAgo(1),
        },
        history: [['promoted', 5, 100, 4, 'admin']],
      },
      {
        name: 'promote a scheduled rollout, which thereby starts now',
        rollout: inStatus('scheduled'),
        command: { kind: 'promote', actor: 'admin' },
        patch: { status: 'completed', percentage: 100, startedAt: NOW, stageStartedAt: NOW },
        history: [['promoted', 0, 100, 4, 'admin']],
      },
      {
        name: 'roll back by hand with a default reason',
        rollout: record({ currentStage: 1, percentage: 25 }),
        command: { kind: 'rollback', actor: 'admin' },
        patch: { status: 'rolled_back', percentage: 0, rollbackReason: 'rolled back manually by admin', updatedAt: NOW },
        history: [['rolled_back', 25, 0, 1, 'admin']],
        reason: 'rolled back manually by admin',
      },
      {
        name: 'set a manual percentage in the stage at or below it',
        rollout: inStatus('running'),
        command: { kind: 'percentage', actor: 'admin', percentage: 60.25, reason: 'faster' },
        patch: { percentage: 60.25, currentStage: 2, stageStartedAt: NOW, updatedAt: NOW },
        history: [['manual_percentage', 5, 60.25, 2, 'admin']],
        reason: 'faster',
      },
      {
        name: 'round a manual percentage to the stored hundredth',
        rollout: inStatus('paused'),
        command: { kind: 'percentage', actor: 'admin', percentage: 0.07 * 100 },
        patch: { percentage: 7, currentStage: 0 },
        history: [['manual_percentage', 5, 7, 0, 'admin']],
      },
      {
        name: 'update anything in draft and name what changed',
        rollout: inStatus('draft'),
        command: {
          kind: 'update',
          actor: 'admin',
          changes: {
            name: 'renamed',
            schedule: {
              stages: [
                { percentage: 10, durationHours: 1 },
                { percentage: 100, durationHours: 1 },
              ],
            },
          },
        },
        patch: {
          name: 'renamed',
          stages: [
            { percentage: 10, durationHours: 1 },
            { percentage: 100, durationHours: 1 },
          ],
          updatedAt: NOW,
        },
        history: [['updated', 0, 0, 0, 'admin']],
        reason: 'changed name, schedule',
      },
      {
        name: 'update thresholds of a running rollout, merged key by key',
        rollout: inStatus('running'),
        command: { kind: 'update', actor: 'admin', changes: { healthThresholds: { maxLatencyMs: null } } },
        patch: { healthThresholds: { ...DEFAULT_THRESHOLDS, maxLatencyMs: null }, updatedAt: NOW },
        history: [['updated', 5, 5, 0, 'admin']],
        reason: 'changed healthThresholds',
      },
    ];

    it.each(cases)('should $name', ({ rollout, command, patch, history, reason }) => {
      const result = applyCommand(rollout, command, NOW);
      expect(result.patch).toMatchObject(patch);
      expect(rows(result)).toEqual(history);
      expect(result.history.every((h) => h.at === NOW)).toBe(true);
      if (reason !== undefined) expect(result.history[0].reason).toBe(reason);
    });

    it('should change nothing and record nothing for an update that changes nothing', () => {
      expect(
        applyCommand(inStatus('running'), { kind: 'update', actor: 'admin', changes: { description: null, name: 'ranker' } }, NOW),
      ).toEqual({
        patch: {},
        history: [],
      });
    });

    it('should refuse changes other than description and thresholds after draft with 409 naming them', () => {
      const attempt = (): unknown =>
        applyCommand(
          inStatus('paused'),
          {
            kind: 'update',
            actor: 'admin',
            changes: { modelVersion: 'v3', schedule: { startTime: null, stages: [{ percentage: 100, durationHours: 1 }] } },
          },
          NOW,
        );
      expect(attempt).toThrow(ConflictError);
      expect(attempt).toThrow(
        'cannot change modelVersion, schedule of a paused rollout: only description and healthThresholds may change after draft',
      );
    });

    it('should refuse an invalid definition with 400 before the 409', () => {
      const attempt = (): unknown =>
        applyCommand(
          inStatus('running'),
          { kind: 'update', actor: 'admin', changes: { schedule: { stages: [{ percentage: 50, durationHours: 1 }] } } },
          NOW,
        );
      expect(attempt).toThrow(InvalidInputError);
    });

    it('should leave the rollout it was given as it was', () => {
      const rollout = inStatus('running');
      const copy = structuredClone(rollout);
      applyCommand(rollout, { kind: 'promote', actor: 'admin' }, NOW);
      expect(rollout).toEqual(copy);
    });
  });

  describe('scheduler steps', () => {
    it('should start a scheduled rollout whose time has come as an admin start would, by the scheduler', () => {
      const rollout = record({ status: 'scheduled', percentage: 0, stageStartedAt: null, startedAt: null, startTime: hoursAgo(0.5) });
      const result = applyCommand(rollout, step(rollout, null), NOW);
      expect(result.patch).toMatchObject({ status: 'running', percentage: 5, currentStage: 0, stageStartedAt: NOW, startedAt: NOW });
      expect(rows(result)).toEqual([['started', 0, 5, 0, 'scheduler']]);
      expect(result.history[0].reason).toBe('scheduled start time reached');
    });

    it('should advance a healthy due stage, recording the health it judged', () => {
      const rollout = record({ stageStartedAt: hoursAgo(2) });
      const result = applyCommand(rollout, step(rollout, {}), NOW);
      expect(result.patch).toMatchObject({ percentage: 25, currentStage: 1, stageStartedAt: NOW, updatedAt: NOW });
      expect(result.patch.lastHealth).toMatchObject({
        verdict: 'healthy',
        stage: 0,
        percentage: 5,
        reports: 2,
        evaluatedAt: NOW.toISOString(),
      });
      expect(rows(result)).toEqual([['advanced', 5, 25, 1, 'scheduler']]);
      expect(result.history[0].health).toEqual(result.patch.lastHealth);
    });

    it('should complete after the last stage with the same transition as promote, plus the health', () => {
      const rollout = record({ currentStage: 4, percentage: 100, stageStartedAt: hoursAgo(24) });
      const completed = applyCommand(rollout, step(rollout, {}), NOW);
      const promoted = applyCommand(rollout, { kind: 'promote', actor: 'admin' }, NOW);
      const { lastHealth, ...transition } = completed.patch;
      expect(transition).toEqual(promoted.patch);
      expect(lastHealth).toMatchObject({ verdict: 'healthy' });
      expect(rows(completed)).toEqual([['completed', 100, 100, 4, 'scheduler']]);
    });

    it('should roll back on failed health with the same transition as a manual rollback, after a health_failed row', () => {
      const rollout = record({ currentStage: 1, percentage: 25, stageStartedAt: hoursAgo(0.1) });
      const automatic = applyCommand(rollout, step(rollout, { errors: 100 }), NOW);
      const manual = applyCommand(rollout, { kind: 'rollback', actor: 'admin', reason: automatic.patch.rollbackReason ?? '' }, NOW);
      const { lastHealth, ...transition } = automatic.patch;
      expect(transition).toEqual(manual.patch);
      expect(automatic.patch.rollbackReason).toBe(
        'automatic rollback: health check failed in stage 2 of 5 (25 %): errorRate 0.1 > maxErrorRate 0.05',
      );
      expect(lastHealth).toMatchObject({ verdict: 'unhealthy', failedChecks: [{ check: 'errorRate' }] });
      expect(rows(automatic)).toEqual([
        ['health_failed', 25, 25, 1, 'scheduler'],
        ['rolled_back', 25, 0, 1, 'scheduler'],
      ]);
      expect(automatic.history[1].reason).toBe(automatic.patch.rollbackReason);
    });

    it('should hold a due stage without enough data once per stage, without touching updatedAt', () => {
      const rollout = record({ stageStartedAt: hoursAgo(3) });
      const first = applyCommand(rollout, step(rollout, { requests: 50, errors: 50 }), NOW);
      expect(first.patch).toEqual({ lastHealth: expect.objectContaining({ verdict: 'waiting_for_data', requests: 50 }) });
      expect(rows(first)).toEqual([['held', 5, 5, 0, 'scheduler']]);
      const again = applyCommand(rollout, step(rollout, { requests: 50, errors: 50 }, true), NOW);
      expect(again.patch).toEqual(first.patch);
      expect(again.history).toEqual([]);
    });

    it('should only record the health when there is nothing to do', () => {
      const rollout = record();
      expect(applyCommand(rollout, step(rollout, {}), NOW)).toEqual({
        patch: { lastHealth: expect.objectContaining({ verdict: 'healthy' }) },
        history: [],
      });
      const paused = inStatus('paused');
      expect(applyCommand(paused, step(paused, null), NOW)).toEqual({ patch: {}, history: [] });
    });

    it('should refuse a step meant for another status', () => {
      const rollout = record({ stageStartedAt: hoursAgo(2) });
      const advance = step(rollout, {});
      expect(() => applyCommand({ ...rollout, status: 'paused' }, advance, NOW)).toThrow(
        'scheduler step advance does not apply to a paused rollout',
      );
    });
  });
});
