import type { Actor } from '../common/auth/access.decorator';
import { ConflictError } from '../common/errors';
import { lastHealthOf, stageForPercentage, StageTarget, StepDecision } from './rollout-decision';
import { ALWAYS_EDITABLE, assembleDefinition, changedFields, DefinitionInput, fieldLabel, toHundredths } from './rollout-rules';
import type {
  HistoryEntry,
  LastHealth,
  RolloutAction,
  RolloutDefinition,
  RolloutPatch,
  RolloutRecord,
  RolloutStatus,
  WindowHealth,
} from './rollout.model';

/**
 * Every state transition of a rollout, as one pure function of (rollout, command, now): the admin's
 * commands and the scheduler's steps go through the same transitions (a scheduler `complete` is a
 * `promote` that records its health, an automatic rollback a manual one plus `health_failed`).
 * The callers write `patch` and `history` in the transaction that holds the rollout's row lock.
 */

export type AdminCommandKind = 'start' | 'pause' | 'resume' | 'promote' | 'rollback' | 'percentage' | 'update' | 'delete';

/** Which admin commands each status accepts; a 409 lists them as `allowed`. */
export const ALLOWED_COMMANDS: Record<RolloutStatus, readonly AdminCommandKind[]> = {
  draft: ['start', 'update', 'delete'],
  scheduled: ['promote', 'rollback', 'update', 'delete'],
  running: ['pause', 'promote', 'rollback', 'percentage', 'update'],
  paused: ['resume', 'promote', 'rollback', 'percentage', 'update'],
  completed: ['rollback', 'update', 'delete'],
  rolled_back: ['start', 'update', 'delete'],
};

export type RolloutCommand =
  /** draft | rolled_back → running at stage 0, or scheduled while the start time is in the future. */
  | { kind: 'start'; actor: Actor; startTime?: Date; reason?: string }
  | { kind: 'pause' | 'resume' | 'promote' | 'rollback'; actor: Actor; reason?: string }
  /** Manual override: the stage becomes the last one at or below the value, and its timer restarts. */
  | { kind: 'percentage'; actor: Actor; percentage: number; reason?: string }
  | { kind: 'update'; actor: Actor; changes: DefinitionInput }
  /** The scheduler's: what decideRolloutStep decided on the window it measured. */
  | { kind: 'step'; step: StepDecision; window: WindowHealth | null; heldThisStage: boolean };

export interface CommandResult {
  /** The columns to write; empty when nothing changes. `updatedAt` is in it exactly when the rollout changed. */
  patch: RolloutPatch;
  /** Rows for the rollout's history, in order. */
  history: HistoryEntry[];
}

type Named = Pick<RolloutRecord, 'name' | 'status'>;

function label(status: RolloutStatus): string {
  return status.replace('_', ' ');
}

function conflictMessage(rollout: Named, kind: AdminCommandKind): string {
  if (kind === 'delete') return `rollout ${rollout.name} is ${rollout.status}: roll it back or promote it before deleting`;
  if (kind === 'percentage') {
    const hint = rollout.status === 'draft' || rollout.status === 'scheduled' ? ': start it first' : '';
    return `cannot set the percentage of a ${label(rollout.status)} rollout${hint}`;
  }
  return `cannot ${kind} a ${label(rollout.status)} rollout`;
}

/** 409 with the rollout's status and the commands it accepts. */
export function commandConflict(rollout: Named, message: string): ConflictError {
  return new ConflictError(message, undefined, { status: rollout.status, allowed: ALLOWED_COMMANDS[rollout.status] }, 'ILLEGAL_TRANSITION');
}

export function assertAllowed(rollout: Named, kind: AdminCommandKind): void {
  if (!ALLOWED_COMMANDS[rollout.status].includes(kind)) throw commandConflict(rollout, conflictMessage(rollout, kind));
}

/** One history row: from the percentage before, to the one after, at the stage after. */
function entry(
  before: RolloutRecord,
  patch: RolloutPatch,
  action: RolloutAction,
  actor: Actor,
  reason: string | null,
  now: Date,
  health: LastHealth | null = null,
): HistoryEntry {
  const after = { ...before, ...patch };
  return {
    at: now,
    action,
    fromPercentage: before.percentage,
    toPercentage: after.percentage,
    stage: after.currentStage,
    reason,
    health,
    actor,
  };
}

// The transitions, shared by the admin's commands and the scheduler's steps.

function startNow(rollout: RolloutRecord, now: Date): RolloutPatch {
  return {
    status: 'running',
    currentStage: 0,
    percentage: rollout.stages[0].percentage,
    stageStartedAt: now,
    startedAt: now,
    rollbackReason: null,
    lastHealth: null,
    completedAt: null,
    updatedAt: now,
  };
}

function moveToStage(target: StageTarget, now: Date): RolloutPatch {
  return { currentStage: target.stage, percentage: target.percentage, stageStartedAt: now, updatedAt: now };
}

function complete(rollout: RolloutRecord, now: Date): RolloutPatch {
  return {
    status: 'completed',
    percentage: 100,
    currentStage: rollout.stages.length - 1,
    stageStartedAt: rollout.stageStartedAt ?? now,
    startedAt: rollout.startedAt ?? now,
    completedAt: now,
    updatedAt: now,
  };
}

function rollBack(reason: string, now: Date): RolloutPatch {
  return { status: 'rolled_back', percentage: 0, rollbackReason: reason, updatedAt: now };
}

function one(
  rollout: RolloutRecord,
  patch: RolloutPatch,
  action: RolloutAction,
  actor: Actor,
  reason: string | null,
  now: Date,
): CommandResult {
  return { patch, history: [entry(rollout, patch, action, actor, reason, now)] };
}

function start(rollout: RolloutRecord, command: { actor: Actor; startTime?: Date; reason?: string }, now: Date): CommandResult {
  const startTime = command.startTime ?? rollout.startTime;
  const withStartTime: RolloutPatch = command.startTime !== undefined ? { startTime } : {};
  if (startTime !== null && startTime.getTime() > now.getTime()) {
    const patch: RolloutPatch = {
      ...withStartTime,
      status: 'scheduled',
      currentStage: 0,
      percentage: 0,
      stageStartedAt: null,
      rollbackReason: null,
      lastHealth: null,
      completedAt: null,
      updatedAt: now,
    };
    return one(rollout, patch, 'scheduled', command.actor, command.reason ?? `starts at ${startTime.toISOString()}`, now);
  }
  return one(rollout, { ...withStartTime, ...startNow(rollout, now) }, 'started', command.actor, command.reason ?? null, now);
}

function definitionOf(r: RolloutRecord): RolloutDefinition {
  return {
    name: r.name,
    description: r.description,
    modelVersion: r.modelVersion,
    baselineVersion: r.baselineVersion,
    startTime: r.startTime,
    stages: r.stages,
    healthThresholds: r.healthThresholds,
    webhookUrl: r.webhookUrl,
  };
}

/** Any field in draft; afterwards only description and thresholds (anything else → 409 naming it). */
function update(rollout: RolloutRecord, command: { actor: Actor; changes: DefinitionInput }, now: Date): CommandResult {
  const current = definitionOf(rollout);
  const next = assembleDefinition(current, command.changes);
  const changed = changedFields(current, next);
  if (rollout.status !== 'draft') {
    const forbidden = [...new Set(changed.filter((field) => !ALWAYS_EDITABLE.has(field)).map(fieldLabel))];
    if (forbidden.length > 0) {
      throw commandConflict(
        rollout,
        `cannot change ${forbidden.join(', ')} of a ${label(rollout.status)} rollout: only description and healthThresholds may change after draft`,
      );
    }
  }
  if (changed.length === 0) return { patch: {}, history: [] };
  const patch: RolloutPatch = { updatedAt: now };
  for (const field of changed) Object.assign(patch, { [field]: next[field] });
  const fields = [...new Set(changed.map(fieldLabel))];
  return one(rollout, patch, 'updated', command.actor, `changed ${fields.join(', ')}`, now);
}

/** A step the scheduler decided for a rollout that is in the status the step is for. */
function step(rollout: RolloutRecord, command: Extract<RolloutCommand, { kind: 'step' }>, now: Date): CommandResult {
  const { step: decided, window } = command;
  const expected: RolloutStatus | null = decided.action === 'start' ? 'scheduled' : decided.action === 'none' ? null : 'running';
  if (expected !== null && rollout.status !== expected) {
    throw new Error(`scheduler step ${decided.action} does not apply to a ${rollout.status} rollout`);
  }
  const health = lastHealthOf('health' in decided ? decided.health : null, window, rollout, now);
  const measured: RolloutPatch = health ? { lastHealth: health } : {};
  const by = 'scheduler';
  switch (decided.action) {
    case 'start':
      return one(rollout, startNow(rollout, now), 'started', by, decided.reason, now);
    case 'advance': {
      const patch = { ...moveToStage(decided.target, now), ...measured };
      return { patch, history: [entry(rollout, patch, 'advanced', by, decided.reason, now, health)] };
    }
    case 'complete': {
      const patch = { ...complete(rollout, now), ...measured };
      return { patch, history: [entry(rollout, patch, 'completed', by, decided.reason, now, health)] };
    }
    case 'rollback': {
      const patch = { ...rollBack(`automatic rollback: ${decided.reason}`, now), ...measured };
      return {
        patch,
        history: [
          entry(rollout, {}, 'health_failed', by, decided.reason, now, health),
          entry(rollout, patch, 'rolled_back', by, patch.rollbackReason ?? null, now, health),
        ],
      };
    }
    // Health alone is not a change of the rollout: updatedAt stays.
    case 'hold':
      return { patch: measured, history: command.heldThisStage ? [] : [entry(rollout, {}, 'held', by, decided.reason, now, health)] };
    case 'none':
      return { patch: measured, history: [] };
  }
}

/** A new rollout: a draft at 0 %, and its `created` history row. */
export function newRollout(definition: RolloutDefinition, actor: Actor, now: Date): { record: RolloutRecord; history: HistoryEntry[] } {
  return {
    record: {
      ...definition,
      status: 'draft',
      percentage: 0,
      currentStage: 0,
      stageStartedAt: null,
      lastHealth: null,
      rollbackReason: null,
      createdAt: now,
      updatedAt: now,
      startedAt: null,
      completedAt: null,
    },
    history: [{ at: now, action: 'created', fromPercentage: null, toPercentage: 0, stage: 0, reason: null, health: null, actor }],
  };
}

/** The rollout's next state and history for `command` at `now`; a command its status does not accept → 409. */
export function applyCommand(rollout: RolloutRecord, command: RolloutCommand, now: Date): CommandResult {
  if (command.kind === 'step') return step(rollout, command, now);
  assertAllowed(rollout, command.kind);
  switch (command.kind) {
    case 'start':
      return start(rollout, command, now);
    case 'pause':
      return one(rollout, { status: 'paused', updatedAt: now }, 'paused', command.actor, command.reason ?? null, now);
    case 'resume':
      // The stage timer (and health window) restarts, so time spent paused does not count.
      return one(
        rollout,
        { status: 'running', stageStartedAt: now, updatedAt: now },
        'resumed',
        command.actor,
        command.reason ?? null,
        now,
      );
    case 'promote':
      return one(rollout, complete(rollout, now), 'promoted', command.actor, command.reason ?? null, now);
    case 'rollback': {
      const reason = command.reason ?? `rolled back manually by ${command.actor}`;
      return one(rollout, rollBack(reason, now), 'rolled_back', command.actor, reason, now);
    }
    case 'percentage': {
      const percentage = toHundredths(command.percentage);
      const target = { stage: stageForPercentage(rollout.stages, percentage), percentage };
      return one(rollout, moveToStage(target, now), 'manual_percentage', command.actor, command.reason ?? null, now);
    }
    case 'update':
      return update(rollout, command, now);
  }
}
