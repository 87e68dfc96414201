import type {
  FailedCheck,
  HealthAssessment,
  HealthThresholds,
  HealthWindow,
  LastHealth,
  RolloutStage,
  RolloutState,
  WindowHealth,
} from './rollout.model';

/**
 * The scheduler's brain, as pure functions of (rollout, health window, now): no clock, no database.
 * `applyCommand` (rollout-command-decision.ts) turns what this decides into the rollout's new state
 * and history; the scheduler writes them in one transaction.
 */

export interface StageTarget {
  stage: number;
  percentage: number;
}

/** One scheduler step. Each action carries what applying it needs, and nothing it cannot have. */
export type StepDecision =
  /** `scheduled` and its start time passed: running at stage 0. */
  | { action: 'start'; reason: string; target: StageTarget }
  /** Healthy and the stage's time is up: the next stage. */
  | { action: 'advance'; reason: string; health: HealthAssessment; target: StageTarget }
  /** Healthy after the last stage's time: completed at 100 %. */
  | { action: 'complete'; reason: string; health: HealthAssessment; target: StageTarget }
  /** A threshold breached: back to 0 %. */
  | { action: 'rollback'; reason: string; health: HealthAssessment; failedChecks: FailedCheck[] }
  /** The stage's time is up but the window has too few requests to judge. */
  | { action: 'hold'; reason: string; health: HealthAssessment }
  /** Nothing to do; the health, when it was measured, is still recorded. */
  | { action: 'none'; reason: string; health: HealthAssessment | null };

export type StepAction = StepDecision['action'];

const HOUR_MS = 3_600_000;

/** Checks whose value is within its threshold pass; a check without data (no labels, no latency) is not evaluated. */
export function assessHealth(window: HealthWindow, thresholds: HealthThresholds): HealthAssessment {
  const errorRate = window.requests > 0 ? window.errors / window.requests : null;
  const accuracy = window.labeled > 0 ? window.correct / window.labeled : null;
  const base = { ...window, errorRate, accuracy };
  const minRequests = thresholds.minRequests ?? 0;
  if (window.requests < minRequests) {
    return { ...base, verdict: 'waiting_for_data', failedChecks: [] };
  }
  const failedChecks: FailedCheck[] = [];
  if (thresholds.maxErrorRate !== null && errorRate !== null && errorRate > thresholds.maxErrorRate) {
    failedChecks.push({ check: 'errorRate', value: errorRate, threshold: thresholds.maxErrorRate, comparison: '>' });
  }
  if (thresholds.maxLatencyMs !== null && window.latencyP95Ms !== null && window.latencyP95Ms > thresholds.maxLatencyMs) {
    failedChecks.push({ check: 'latencyP95Ms', value: window.latencyP95Ms, threshold: thresholds.maxLatencyMs, comparison: '>' });
  }
  if (thresholds.minAccuracy !== null && accuracy !== null && accuracy < thresholds.minAccuracy) {
    failedChecks.push({ check: 'accuracy', value: accuracy, threshold: thresholds.minAccuracy, comparison: '<' });
  }
  return { ...base, verdict: failedChecks.length > 0 ? 'unhealthy' : 'healthy', failedChecks };
}

const THRESHOLD_NAME: Record<FailedCheck['check'], string> = {
  errorRate: 'maxErrorRate',
  latencyP95Ms: 'maxLatencyMs',
  accuracy: 'minAccuracy',
};

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** `errorRate 0.1 > maxErrorRate 0.05; latencyP95Ms 250 > maxLatencyMs 200`: each failed check with value and threshold. */
export function describeFailedChecks(checks: readonly FailedCheck[]): string {
  return checks
    .map(
      (c) => `${c.check} ${round(c.value, c.check === 'latencyP95Ms' ? 2 : 4)} ${c.comparison} ${THRESHOLD_NAME[c.check]} ${c.threshold}`,
    )
    .join('; ');
}

/** The stage a manual percentage lands in: the last stage whose percentage ≤ the value (stage 0 below the first). */
export function stageForPercentage(stages: readonly RolloutStage[], percentage: number): number {
  let stage = 0;
  stages.forEach((s, i) => {
    if (s.percentage <= percentage) stage = i;
  });
  return stage;
}

/** The first stage above the current percentage, or -1 when there is none (the rollout is at 100 %). */
export function nextStageAbove(stages: readonly RolloutStage[], percentage: number): number {
  return stages.findIndex((s) => s.percentage > percentage);
}

function formatPercent(value: number): string {
  return `${round(value, 2)} %`;
}

/** What the rollout shows as `lastHealth` after a step that measured its window. */
export function lastHealthOf(
  health: HealthAssessment | null,
  window: WindowHealth | null,
  rollout: Pick<RolloutState, 'currentStage' | 'percentage' | 'stageStartedAt'>,
  now: Date,
): LastHealth | null {
  if (health === null || window === null || rollout.stageStartedAt === null) return null;
  return {
    ...health,
    reports: window.reports,
    observations: window.observations,
    stage: rollout.currentStage,
    percentage: rollout.percentage,
    windowStart: rollout.stageStartedAt.toISOString(),
    evaluatedAt: now.toISOString(),
  };
}

/**
 * One scheduler step for one rollout (contract §6, "The scheduler"):
 * 1. `scheduled` and its start time passed → start at stage 0.
 * 2. `running`: fewer than minRequests in the stage window → wait (a `hold` once the stage is due).
 * 3. Any threshold breached → rollback, at once, whether or not the stage is due.
 * 4. Healthy and the stage's duration elapsed → next stage, or complete after the last one.
 * `health` is the current stage window; it is ignored unless the rollout is running.
 */
export function decideRolloutStep(rollout: RolloutState, health: HealthWindow | null, now: Date): StepDecision {
  if (rollout.status === 'scheduled') {
    if (rollout.startTime !== null && rollout.startTime.getTime() > now.getTime()) {
      return { action: 'none', reason: `scheduled to start at ${rollout.startTime.toISOString()}`, health: null };
    }
    return { action: 'start', reason: 'scheduled start time reached', target: { stage: 0, percentage: rollout.stages[0].percentage } };
  }
  if (rollout.status !== 'running') return { action: 'none', reason: `rollout is ${rollout.status}`, health: null };
  if (health === null || rollout.stageStartedAt === null) return { action: 'none', reason: 'no health window to evaluate', health: null };

  const stages = rollout.stages;
  const stage = Math.min(rollout.currentStage, stages.length - 1);
  const assessment = assessHealth(health, rollout.healthThresholds);
  const elapsedMs = now.getTime() - rollout.stageStartedAt.getTime();
  const due = elapsedMs >= stages[stage].durationHours * HOUR_MS;
  const stageLabel = `stage ${stage + 1} of ${stages.length} (${formatPercent(rollout.percentage)})`;

  if (assessment.verdict === 'waiting_for_data') {
    const counted = `${assessment.requests} of ${rollout.healthThresholds.minRequests ?? 0} requests`;
    return due
      ? {
          action: 'hold',
          reason: `waiting for data: ${counted} in ${stageLabel}, its time is up but it cannot advance`,
          health: assessment,
        }
      : { action: 'none', reason: `waiting for data: ${counted} in ${stageLabel} so far`, health: assessment };
  }
  if (assessment.verdict === 'unhealthy') {
    return {
      action: 'rollback',
      reason: `health check failed in ${stageLabel}: ${describeFailedChecks(assessment.failedChecks)}`,
      health: assessment,
      failedChecks: assessment.failedChecks,
    };
  }
  if (!due)
    return { action: 'none', reason: `${stageLabel} healthy, ${stages[stage].durationHours} h not yet elapsed`, health: assessment };

  const next = nextStageAbove(stages, rollout.percentage);
  if (next === -1) {
    return {
      action: 'complete',
      reason: `${stageLabel} healthy for ${stages[stage].durationHours} h: rollout complete`,
      health: assessment,
      target: { stage: stages.length - 1, percentage: 100 },
    };
  }
  return {
    action: 'advance',
    reason: `${stageLabel} healthy for ${stages[stage].durationHours} h: advancing to ${formatPercent(stages[next].percentage)}`,
    health: assessment,
    target: { stage: next, percentage: stages[next].percentage },
  };
}
