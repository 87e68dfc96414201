import type { FailedCheck, HealthAssessment, HealthThresholds, HealthWindow, RolloutStage, RolloutState } from './rollout.model';

/**
 * The scheduler's brain, as pure functions of (rollout, health window, now): no clock, no database.
 * The applier in RolloutSchedulerService writes whatever this decides, in one transaction.
 */

export type StepAction = 'start' | 'advance' | 'hold' | 'rollback' | 'complete' | 'none';

export interface StepDecision {
  action: StepAction;
  reason: string;
  failedChecks: FailedCheck[];
  /** The health of the current stage window; null when health was not evaluated (not running). */
  health: HealthAssessment | null;
  /** Where `start` and `advance` move to. */
  target: { stage: number; percentage: number } | null;
}

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

function decision(
  action: StepAction,
  reason: string,
  health: HealthAssessment | null = null,
  target: StepDecision['target'] = null,
): StepDecision {
  return { action, reason, failedChecks: health?.failedChecks ?? [], health, target };
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
      return decision('none', `scheduled to start at ${rollout.startTime.toISOString()}`);
    }
    return decision('start', 'scheduled start time reached', null, { stage: 0, percentage: rollout.stages[0].percentage });
  }
  if (rollout.status !== 'running') return decision('none', `rollout is ${rollout.status}`);
  if (health === null || rollout.stageStartedAt === null) return decision('none', 'no health window to evaluate');

  const stages = rollout.stages;
  const stage = Math.min(rollout.currentStage, stages.length - 1);
  const assessment = assessHealth(health, rollout.healthThresholds);
  const elapsedMs = now.getTime() - rollout.stageStartedAt.getTime();
  const due = elapsedMs >= stages[stage].durationHours * HOUR_MS;
  const stageLabel = `stage ${stage + 1} of ${stages.length} (${formatPercent(rollout.percentage)})`;

  if (assessment.verdict === 'waiting_for_data') {
    const counted = `${assessment.requests} of ${rollout.healthThresholds.minRequests ?? 0} requests`;
    return due
      ? decision('hold', `waiting for data: ${counted} in ${stageLabel}, its time is up but it cannot advance`, assessment)
      : decision('none', `waiting for data: ${counted} in ${stageLabel} so far`, assessment);
  }
  if (assessment.verdict === 'unhealthy') {
    return decision('rollback', `health check failed in ${stageLabel}: ${describeFailedChecks(assessment.failedChecks)}`, assessment);
  }
  if (!due) return decision('none', `${stageLabel} healthy, ${stages[stage].durationHours} h not yet elapsed`, assessment);

  const next = nextStageAbove(stages, rollout.percentage);
  if (next === -1) {
    return decision('complete', `${stageLabel} healthy for ${stages[stage].durationHours} h: rollout complete`, assessment, {
      stage: stages.length - 1,
      percentage: 100,
    });
  }
  return decision(
    'advance',
    `${stageLabel} healthy for ${stages[stage].durationHours} h: advancing to ${formatPercent(stages[next].percentage)}`,
    assessment,
    { stage: next, percentage: stages[next].percentage },
  );
}
