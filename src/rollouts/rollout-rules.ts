import type { FieldProblem } from '../common/errors';
import type { HealthThresholds, RolloutStage } from './rollout.model';

/** Contract §6 defaults: the five stages, each lasting longer than the one before. */
export const DEFAULT_STAGES: readonly RolloutStage[] = [
  { percentage: 5, durationHours: 2 },
  { percentage: 25, durationHours: 4 },
  { percentage: 50, durationHours: 8 },
  { percentage: 75, durationHours: 12 },
  { percentage: 100, durationHours: 24 },
];

export const DEFAULT_THRESHOLDS: Readonly<HealthThresholds> = {
  maxErrorRate: 0.05,
  maxLatencyMs: 200,
  minAccuracy: 0.75,
  minRequests: 100,
};

export const MAX_STAGES = 20;
/** A stage longer than a year is a typo, not a plan. */
export const MAX_STAGE_HOURS = 8760;

/** 12.34 yes, 12.345 no: percentages are whole hundredths, the bucket granularity (§3). */
export function hasAtMostTwoDecimals(value: number): boolean {
  const scaled = value * 100;
  return Math.abs(scaled - Math.round(scaled)) < 1e-6;
}

/** Rounds to the hundredth the database stores (numeric(5,2)), removing float noise such as 0.07 * 100. */
export function toHundredths(value: number): number {
  return Math.round(value * 100) / 100;
}

export function stageProblems(stages: readonly RolloutStage[], field = 'schedule.stages'): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (stages.length < 1 || stages.length > MAX_STAGES) {
    problems.push({ field, problem: `must have 1 to ${MAX_STAGES} stages` });
    return problems;
  }
  stages.forEach((stage, i) => {
    const at = `${field}[${i}]`;
    if (!(stage.percentage > 0 && stage.percentage <= 100)) {
      problems.push({ field: `${at}.percentage`, problem: 'must be > 0 and ≤ 100' });
    } else if (!hasAtMostTwoDecimals(stage.percentage)) {
      problems.push({ field: `${at}.percentage`, problem: 'must have at most two decimals' });
    } else if (i > 0 && stage.percentage <= stages[i - 1].percentage) {
      problems.push({ field: `${at}.percentage`, problem: `must be greater than the previous stage's ${stages[i - 1].percentage}` });
    }
    if (!(stage.durationHours > 0 && stage.durationHours <= MAX_STAGE_HOURS)) {
      problems.push({ field: `${at}.durationHours`, problem: `must be > 0 and ≤ ${MAX_STAGE_HOURS}` });
    }
  });
  const last = stages[stages.length - 1];
  if (last.percentage !== 100) {
    problems.push({ field: `${field}[${stages.length - 1}].percentage`, problem: 'the last stage must be 100' });
  }
  return problems;
}

/** Missing keys take `base` (the defaults on create, the current values on update); `null` disables a check. */
export function mergeThresholds(base: Readonly<HealthThresholds>, input: Partial<HealthThresholds> | undefined): HealthThresholds {
  return {
    maxErrorRate: input?.maxErrorRate !== undefined ? input.maxErrorRate : base.maxErrorRate,
    maxLatencyMs: input?.maxLatencyMs !== undefined ? input.maxLatencyMs : base.maxLatencyMs,
    minAccuracy: input?.minAccuracy !== undefined ? input.minAccuracy : base.minAccuracy,
    minRequests: input?.minRequests !== undefined ? input.minRequests : base.minRequests,
  };
}
