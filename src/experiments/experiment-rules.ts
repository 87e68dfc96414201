import { FieldProblem } from '../common/errors';
import { isPlainObject } from '../common/input-checks';
import type { CreateExperimentDto, MetricDto } from './dto/create-experiment.dto';
import type { Experiment, ExperimentStatus, Metric, Variant } from './experiment.model';

const WEIGHT_TOLERANCE = 1e-6;
const MAX_CONFIG_BYTES = 64 * 1024;

/** The stored definition of an experiment, with every default applied. */
export type ExperimentDefinition = Pick<
  Experiment,
  | 'key'
  | 'name'
  | 'description'
  | 'hypothesis'
  | 'variants'
  | 'controlVariant'
  | 'trafficAllocation'
  | 'metrics'
  | 'minimumSampleSize'
  | 'confidenceLevel'
  | 'analysis'
  | 'correction'
  | 'hashSeed'
>;

/** The definition part of a stored experiment (what create and update set). */
export function definitionOf(e: Experiment): ExperimentDefinition {
  return {
    key: e.key,
    name: e.name,
    description: e.description,
    hypothesis: e.hypothesis,
    variants: e.variants,
    controlVariant: e.controlVariant,
    trafficAllocation: e.trafficAllocation,
    metrics: e.metrics,
    minimumSampleSize: e.minimumSampleSize,
    confidenceLevel: e.confidenceLevel,
    analysis: e.analysis,
    correction: e.correction,
    hashSeed: e.hashSeed,
  };
}

export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/-+$/, '')
    .slice(0, 64)
    .replace(/-+$/, '');
  return slug.length > 0 ? slug : 'experiment';
}

/**
 * Seed-000 shorthand → canonical body: `variants` as `{ name: config }`, `trafficAllocation` as
 * `{ name: weight }`, `successMetric` as the one primary conversion metric. Anything else is
 * returned as it is, for the validation pipe to judge.
 */
export function normalizeExperimentShorthand(body: unknown): { body: unknown; problems: FieldProblem[] } {
  if (!isPlainObject(body)) return { body, problems: [] };
  const result: Record<string, unknown> = { ...body };
  const problems: FieldProblem[] = [];
  if (isPlainObject(body.variants)) {
    const variantConfigs = body.variants;
    const entries = Object.entries(variantConfigs);
    const weights = isPlainObject(body.trafficAllocation) ? body.trafficAllocation : null;
    result.variants = entries.map(([name, config]) => ({
      name,
      weight: weights ? weights[name] : 1 / entries.length,
      config: config ?? {},
    }));
    if (weights) {
      result.trafficAllocation = 1;
      for (const name of Object.keys(weights).filter((n) => !Object.hasOwn(variantConfigs, n))) {
        problems.push({ field: `trafficAllocation.${name}`, problem: 'names no variant' });
      }
    }
  } else if (isPlainObject(body.trafficAllocation)) {
    problems.push({ field: 'trafficAllocation', problem: 'must be a number unless variants is given as an object' });
  }
  if (Object.hasOwn(body, 'successMetric')) {
    delete result.successMetric;
    if (body.metrics !== undefined) {
      problems.push({ field: 'successMetric', problem: 'give either metrics or successMetric, not both' });
    } else {
      result.metrics = [{ name: body.successMetric, type: 'conversion', goal: 'increase', role: 'primary' }];
    }
  }
  return { body: result, problems };
}

function metricsWithRoles(metrics: MetricDto[]): Metric[] {
  const anyPrimary = metrics.some((m) => m.role === 'primary');
  return metrics.map((m, index) => ({
    name: m.name,
    type: m.type,
    goal: m.goal ?? 'increase',
    role: m.role ?? (!anyPrimary && index === 0 ? 'primary' : 'secondary'),
  }));
}

function duplicates(names: string[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) repeated.add(name);
    seen.add(name);
  }
  return [...repeated];
}

/** Rules that span fields (class-validator checks each field alone). */
export function definitionProblems(def: ExperimentDefinition): FieldProblem[] {
  const problems: FieldProblem[] = [];
  def.variants.forEach((variant, index) => {
    if (!(variant.weight > 0)) problems.push({ field: `variants[${index}].weight`, problem: 'must be > 0' });
    if (JSON.stringify(variant.config).length > MAX_CONFIG_BYTES) {
      problems.push({ field: `variants[${index}].config`, problem: 'must be at most 64 KiB of JSON' });
    }
  });
  const sum = def.variants.reduce((total, v) => total + v.weight, 0);
  if (Math.abs(sum - 1) > WEIGHT_TOLERANCE) {
    problems.push({ field: 'variants', problem: `weights must sum to 1 (±1e-6), got ${Number(sum.toFixed(9))}` });
  }
  for (const name of duplicates(def.variants.map((v) => v.name))) {
    problems.push({ field: 'variants', problem: `variant name "${name}" is used more than once` });
  }
  if (!def.variants.some((v) => v.name === def.controlVariant)) {
    problems.push({ field: 'controlVariant', problem: `"${def.controlVariant}" is not one of the variants` });
  }
  if (!(def.trafficAllocation > 0 && def.trafficAllocation <= 1)) {
    problems.push({ field: 'trafficAllocation', problem: 'must be > 0 and ≤ 1' });
  }
  for (const name of duplicates(def.metrics.map((m) => m.name))) {
    problems.push({ field: 'metrics', problem: `metric name "${name}" is used more than once` });
  }
  const primaries = def.metrics.filter((m) => m.role === 'primary').length;
  if (primaries !== 1) {
    problems.push({ field: 'metrics', problem: `exactly one metric must have role "primary", found ${primaries}` });
  }
  return problems;
}

/** Applies the contract's defaults to a validated create body. */
export function definitionFromCreate(dto: CreateExperimentDto): ExperimentDefinition {
  const key = dto.key ?? slugify(dto.name);
  const variants: Variant[] = dto.variants.map((v) => ({ name: v.name, weight: v.weight, config: v.config ?? {} }));
  return {
    key,
    name: dto.name,
    description: dto.description ?? null,
    hypothesis: dto.hypothesis ?? null,
    variants,
    controlVariant: dto.controlVariant ?? variants[0].name,
    trafficAllocation: dto.trafficAllocation ?? 1,
    metrics: metricsWithRoles(dto.metrics),
    minimumSampleSize: dto.minimumSampleSize ?? 100,
    confidenceLevel: dto.confidenceLevel ?? 0.95,
    analysis: dto.analysis ?? 'frequentist',
    correction: dto.correction ?? 'holm',
    hashSeed: dto.hashSeed ?? key,
  };
}

export const UPDATABLE_WHILE_LIVE = [
  'name',
  'description',
  'hypothesis',
  'trafficAllocation',
  'minimumSampleSize',
  'confidenceLevel',
  'correction',
  'analysis',
  'metrics',
] as const;

/** Applies a partial update to a definition (metrics get their roles as on create). */
export function applyUpdate(current: ExperimentDefinition, patch: Partial<CreateExperimentDto>): ExperimentDefinition {
  const next: ExperimentDefinition = { ...current };
  if (patch.name !== undefined) next.name = patch.name;
  if (patch.description !== undefined) next.description = patch.description;
  if (patch.hypothesis !== undefined) next.hypothesis = patch.hypothesis;
  if (patch.variants !== undefined) {
    next.variants = patch.variants.map((v) => ({ name: v.name, weight: v.weight, config: v.config ?? {} }));
    if (patch.controlVariant === undefined && !next.variants.some((v) => v.name === current.controlVariant)) {
      next.controlVariant = next.variants[0].name;
    }
  }
  if (patch.controlVariant !== undefined) next.controlVariant = patch.controlVariant;
  if (patch.trafficAllocation !== undefined) next.trafficAllocation = patch.trafficAllocation;
  if (patch.metrics !== undefined) next.metrics = metricsWithRoles(patch.metrics);
  if (patch.minimumSampleSize !== undefined) next.minimumSampleSize = patch.minimumSampleSize;
  if (patch.confidenceLevel !== undefined) next.confidenceLevel = patch.confidenceLevel;
  if (patch.analysis !== undefined) next.analysis = patch.analysis;
  if (patch.correction !== undefined) next.correction = patch.correction;
  if (patch.hashSeed !== undefined) next.hashSeed = patch.hashSeed;
  return next;
}

/** JSON with object keys sorted: jsonb does not keep key order, so plain stringify would see changes that are not. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** The fields whose value differs between two definitions, as `{ field: { from, to } }`. */
export function diffDefinitions(before: ExperimentDefinition, after: ExperimentDefinition): Record<string, { from: unknown; to: unknown }> {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const field of Object.keys(after) as (keyof ExperimentDefinition)[]) {
    if (!sameJson(before[field], after[field])) changes[field] = { from: before[field], to: after[field] };
  }
  return changes;
}

/**
 * Why a change is not allowed in the current status, or null when it is. Running and paused
 * experiments keep everything that decides who is in which variant and what "success" means.
 */
export function forbiddenChange(status: ExperimentStatus, before: ExperimentDefinition, after: ExperimentDefinition): string | null {
  const changed = Object.keys(diffDefinitions(before, after));
  if (status === 'draft' || changed.length === 0) return null;
  if (status === 'completed') {
    const notAllowed = changed.filter((field) => field !== 'description');
    return notAllowed.length === 0 ? null : `a completed experiment only accepts a new description (not ${notAllowed.join(', ')})`;
  }
  const rebucketing = changed.filter((field) => ['variants', 'controlVariant', 'hashSeed'].includes(field));
  if (rebucketing.length > 0) {
    return `cannot change ${rebucketing.join(', ')} while the experiment is ${status}: it would re-bucket users already assigned`;
  }
  if (changed.includes('metrics')) {
    const kept = before.metrics.every((old) => after.metrics.some((m) => sameJson(m, old)));
    const added = after.metrics.filter((m) => !before.metrics.some((old) => old.name === m.name));
    if (!kept || added.some((m) => m.role === 'primary') || after.metrics.length !== before.metrics.length + added.length) {
      return `while ${status} metrics can only be added as secondary or guardrail; existing metrics and the primary metric cannot change`;
    }
  }
  return null;
}

// The lifecycle: draft → running ⇄ paused → completed; running → completed. Completed is final.
const TRANSITIONS: Record<ExperimentStatus, ExperimentStatus[]> = {
  draft: ['running'],
  running: ['paused', 'completed'],
  paused: ['running', 'completed'],
  completed: [],
};

export function allowedTransitions(from: ExperimentStatus): ExperimentStatus[] {
  return TRANSITIONS[from];
}

export function canTransition(from: ExperimentStatus, to: ExperimentStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The lifecycle routes (`POST /experiments/:idOrKey/<action>`). */
export type LifecycleAction = 'start' | 'pause' | 'resume' | 'complete';

/** Where each lifecycle action leads. */
export const ACTION_TARGET: Readonly<Record<LifecycleAction, ExperimentStatus>> = {
  start: 'running',
  pause: 'paused',
  resume: 'running',
  complete: 'completed',
};

/** An action is legal when its transition is, and `start` means draft → running, `resume` paused → running. */
export function canApply(from: ExperimentStatus, action: LifecycleAction): boolean {
  if (action === 'start' && from !== 'draft') return false;
  if (action === 'resume' && from !== 'paused') return false;
  return canTransition(from, ACTION_TARGET[action]);
}

/** The lifecycle actions an experiment in `from` accepts (the API returns them, the dashboard offers them). */
export function allowedActions(from: ExperimentStatus): LifecycleAction[] {
  return (Object.keys(ACTION_TARGET) as LifecycleAction[]).filter((action) => canApply(from, action));
}
