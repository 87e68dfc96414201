import { FieldProblem, InvalidInputError } from '../common/errors';
import type { HealthThresholds, RolloutDefinition, RolloutStage } from './rollout.model';

/**
 * How a rollout definition is assembled and checked: the contract's defaults, the stage rules, and
 * the merge of a create or PATCH body into a definition. Pure: no framework, no database.
 */

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

/** The fields of a create or PATCH body that make a definition (the DTOs, structurally). */
export interface DefinitionInput {
  name?: string;
  description?: string | null;
  modelVersion?: string;
  baselineVersion?: string | null;
  schedule?: { startTime?: string | null; stages?: readonly RolloutStage[] | null } | null;
  healthThresholds?: Partial<HealthThresholds> | null;
  webhookUrl?: string | null;
}

/** What a create body starts from: the contract's schedule and thresholds. */
const CREATE_BASE: RolloutDefinition = {
  name: '',
  description: null,
  modelVersion: '',
  baselineVersion: null,
  startTime: null,
  stages: [...DEFAULT_STAGES],
  healthThresholds: { ...DEFAULT_THRESHOLDS },
  webhookUrl: null,
};

/** Fields PATCH may change after draft (contract §6). */
export const ALWAYS_EDITABLE: ReadonlySet<keyof RolloutDefinition> = new Set(['description', 'healthThresholds']);

/**
 * `input` laid over `base`: a missing field keeps base's value, `null` clears a nullable one, thresholds
 * merge key by key, percentages are stored as whole hundredths. Every problem → one 400.
 */
export function assembleDefinition(base: RolloutDefinition, input: DefinitionInput): RolloutDefinition {
  const schedule = input.schedule ?? undefined;
  const next: RolloutDefinition = {
    name: input.name ?? base.name,
    description: input.description !== undefined ? input.description : base.description,
    modelVersion: input.modelVersion ?? base.modelVersion,
    baselineVersion: input.baselineVersion !== undefined ? input.baselineVersion : base.baselineVersion,
    startTime: schedule?.startTime === undefined ? base.startTime : schedule.startTime === null ? null : new Date(schedule.startTime),
    stages: schedule?.stages ? [...schedule.stages] : base.stages,
    healthThresholds: mergeThresholds(base.healthThresholds, input.healthThresholds ?? undefined),
    webhookUrl: input.webhookUrl !== undefined ? input.webhookUrl : base.webhookUrl,
  };
  const problems = definitionProblems(next);
  if (problems.length > 0) throw InvalidInputError.fromProblems(problems);
  return { ...next, stages: next.stages.map((s) => ({ percentage: toHundredths(s.percentage), durationHours: s.durationHours })) };
}

/** The definition of a new rollout: the contract's defaults under the create body. */
export function newDefinition(input: DefinitionInput & { name: string; modelVersion: string }): RolloutDefinition {
  return assembleDefinition(CREATE_BASE, input);
}

export function definitionProblems(def: RolloutDefinition): FieldProblem[] {
  const problems = stageProblems(def.stages);
  if (def.name.trim().length === 0) problems.push({ field: 'name', problem: 'must not be blank' });
  if (def.modelVersion.trim().length === 0) problems.push({ field: 'modelVersion', problem: 'must not be blank' });
  return problems;
}

/** The definition fields whose value differs (jsonb compares by value). */
export function changedFields(current: RolloutDefinition, next: RolloutDefinition): Array<keyof RolloutDefinition> {
  return (Object.keys(next) as Array<keyof RolloutDefinition>).filter(
    (field) => JSON.stringify(next[field]) !== JSON.stringify(current[field]),
  );
}

/** How a field is named to people: start time and stages are both "schedule". */
export function fieldLabel(field: keyof RolloutDefinition): string {
  return field === 'startTime' || field === 'stages' ? 'schedule' : field;
}

/** The manual override (contract §6): 0–100 in 0.01 steps. */
export function percentageProblems(percentage: number): FieldProblem[] {
  return hasAtMostTwoDecimals(percentage) ? [] : [{ field: 'percentage', problem: 'must have at most two decimals (0.01 steps)' }];
}
