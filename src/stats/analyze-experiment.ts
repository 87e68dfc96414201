/**
 * The §5 `/results` analysis as a pure function of sufficient statistics: no I/O, no framework.
 * The route adds `experimentId, key, status, computedAt`.
 */
import { chiSquareGoodnessOfFit, chiSquareIndependence } from './chi-square';
import {
  compareToControl,
  decisionInterval,
  summarizeVariantMetric,
  type MetricSufficientStats,
  type RawComparison,
  type VariantMetricSummary,
  type VariantSample,
} from './compare';
import { adjustPValues } from './multiple-testing';
import { alphaOf } from './numbers';
import { buildRecommendation } from './recommendation';
import type { AnalysisMode, Correction, Goal, Interval, MetricRole, MetricType } from './types';

/** SRM is flagged below this p-value (§5). */
export const SRM_P_THRESHOLD = 0.001;

/**
 * No verdict below this many users per variant, whatever minimumSampleSize says: the normal
 * approximations behind every test here need it (the usual n ≥ 30 rule; docs/decisions/007).
 */
export const MIN_USERS_PER_VARIANT = 30;

export interface AnalysisVariantInput {
  name: string;
  weight: number;
  /** Assigned users. */
  users: number;
}

export interface AnalysisMetricInput {
  name: string;
  type: MetricType;
  goal: Goal;
  role: MetricRole;
  /** Keyed by variant name; a missing variant counts as no events. */
  perVariant: Record<string, MetricSufficientStats>;
}

export interface AnalysisInput {
  analysis: AnalysisMode;
  /** α = 1 − confidenceLevel. */
  confidenceLevel: number;
  correction: Correction;
  /** Per variant. */
  minimumSampleSize: number;
  controlVariant: string;
  variants: AnalysisVariantInput[];
  metrics: AnalysisMetricInput[];
}

export interface ComparisonResult {
  variant: string;
  control: string;
  absoluteDiff: number | null;
  absoluteCi: Interval | null;
  relativeLift: number | null;
  relativeCi: Interval | null;
  pValue: number | null;
  adjustedPValue: number | null;
  significant: boolean;
  chanceToWin: number | null;
  risk: number | null;
  /**
   * The interval of absoluteDiff that goes with `significant`: dual to the test that decided, at
   * `decisionCiLevel` (the family-adjusted level; 2·confidenceLevel − 1 in bayesian mode), so it
   * excludes 0 exactly when the comparison is significant. `null` when the comparison is not tested.
   */
  decisionCi: Interval | null;
  decisionCiLevel: number | null;
  /** Conversion metrics: smallest expected count of the 2×2 table; below 5 the comparison is not tested. */
  minExpectedCount: number | null;
}

export interface OverallTestResult {
  test: 'chi-square';
  statistic: number | null;
  dof: number;
  pValue: number | null;
}

export type MetricTestName =
  'two-proportion z-test (pooled)' | 'Welch t-test' | 'bayesian normal approximation' | 'asymptotic confidence sequence';

export interface MetricResult {
  name: string;
  type: MetricType;
  role: MetricRole;
  goal: Goal;
  /** The method behind `comparisons` (and the variant intervals in bayesian mode). */
  test: MetricTestName;
  variants: VariantMetricSummary[];
  /** k×2 chi-square for conversion metrics; `null` for mean metrics. */
  overall: OverallTestResult | null;
  comparisons: ComparisonResult[];
}

export interface SrmResult {
  chiSquare: number | null;
  pValue: number | null;
  observed: Record<string, number>;
  expected: Record<string, number>;
  mismatch: boolean;
}

export interface SampleSizeStatus {
  /** The minimum the decision applies: max(minimumSampleSize, MIN_USERS_PER_VARIANT). */
  minimumPerVariant: number;
  /** The experiment's minimumSampleSize as configured. */
  requestedPerVariant: number;
  smallestVariant: number;
  reached: boolean;
}

export type Decision = 'winner' | 'no_winner' | 'insufficient_data' | 'srm' | 'guardrail_failure';

export interface AnalysisResult {
  analysis: AnalysisMode;
  confidenceLevel: number;
  correction: Correction;
  variants: { name: string; users: number; isControl: boolean }[];
  srm: SrmResult;
  metrics: MetricResult[];
  sampleSize: SampleSizeStatus;
  decision: Decision;
  winner: string | null;
  isSignificant: boolean;
  recommendation: string;
}

/** Direction of a significant comparison relative to the metric's goal (used by the decision). */
export type Verdict = 'better' | 'worse' | 'inconclusive';

const ZERO_STATS: MetricSufficientStats = { conversions: 0, sum: 0, sumSquares: 0 };

export function metricTestName(type: MetricType, analysis: AnalysisMode): MetricTestName {
  if (analysis === 'bayesian') return 'bayesian normal approximation';
  if (analysis === 'sequential') return 'asymptotic confidence sequence';
  return type === 'conversion' ? 'two-proportion z-test (pooled)' : 'Welch t-test';
}

function sampleOf(metric: Pick<AnalysisMetricInput, 'perVariant'>, variant: { name: string; users: number }): VariantSample {
  return { users: variant.users, stats: metric.perVariant[variant.name] ?? ZERO_STATS };
}

/**
 * `significant` means the same in every mode: the comparison is decisively different from control,
 * in either direction. Frequentist: adjusted p < α. Sequential: adjusted always-valid p < α (which
 * implies that the confidence sequence excludes 0). Bayesian: P(better) or P(worse) ≥
 * confidenceLevel (§5 names only P(better); a credibly worse treatment is as significant as a
 * credibly better one, as in the other modes).
 */
function isSignificant(raw: RawComparison, adjusted: number | null, analysis: AnalysisMode, confidenceLevel: number): boolean {
  if (analysis === 'bayesian') {
    return (
      (raw.chanceToWin !== null && raw.chanceToWin >= confidenceLevel) || (raw.chanceToLose !== null && raw.chanceToLose >= confidenceLevel)
    );
  }
  return adjusted !== null && adjusted < 1 - confidenceLevel;
}

/**
 * αᵢ, the level at which comparison i is effectively tested: α·p/p_adj, so that p < αᵢ ⇔ p_adj < α
 * (for Holm's smallest p that is α/m). With p_adj = 0 (p underflowed) the most stringent level of
 * the family, α/m, stands in.
 */
function comparisonAlpha(p: number, adjusted: number, alpha: number, familySize: number): number {
  if (adjusted > 0) return Math.min(alpha, (alpha * p) / adjusted);
  return alpha / Math.max(1, familySize);
}

/** better / worse than control with respect to the goal, at the comparison's significance. */
export function verdictOf(
  comparison: Pick<ComparisonResult, 'significant' | 'absoluteDiff' | 'chanceToWin'>,
  raw: Pick<RawComparison, 'chanceToLose'>,
  goal: Goal,
  analysis: AnalysisMode,
  confidenceLevel: number,
): Verdict {
  if (analysis === 'bayesian') {
    if (comparison.chanceToWin !== null && comparison.chanceToWin >= confidenceLevel) return 'better';
    if (raw.chanceToLose !== null && raw.chanceToLose >= confidenceLevel) return 'worse';
    return 'inconclusive';
  }
  if (!comparison.significant || comparison.absoluteDiff === null || comparison.absoluteDiff === 0) {
    return 'inconclusive';
  }
  const up = comparison.absoluteDiff > 0;
  return up === (goal === 'increase') ? 'better' : 'worse';
}

function computeSrm(variants: AnalysisVariantInput[]): SrmResult {
  const observed: Record<string, number> = {};
  const expected: Record<string, number> = {};
  const gof = chiSquareGoodnessOfFit(
    variants.map((v) => v.users),
    variants.map((v) => v.weight),
  );
  const total = variants.reduce((a, v) => a + v.users, 0);
  const weightSum = variants.reduce((a, v) => a + v.weight, 0);
  variants.forEach((v, i) => {
    observed[v.name] = v.users;
    expected[v.name] = gof ? gof.expected[i] : weightSum > 0 ? (total * v.weight) / weightSum : 0;
  });
  return {
    chiSquare: gof?.statistic ?? null,
    pValue: gof?.pValue ?? null,
    observed,
    expected,
    mismatch: gof !== null && gof.pValue < SRM_P_THRESHOLD,
  };
}

/** Internal per-metric state kept next to the public result for the decision. */
export interface MetricWork {
  input: AnalysisMetricInput;
  result: MetricResult;
  raw: RawComparison[];
  verdicts: Verdict[];
}

export interface MetricsAnalysisInput {
  analysis: AnalysisMode;
  confidenceLevel: number;
  correction: Correction;
  controlVariant: string;
  variants: { name: string; users: number }[];
  metrics: AnalysisMetricInput[];
  /** false: leave decisionCi out (the time series does not show it; the score interval is a root search). */
  decisionIntervals?: boolean;
}

/**
 * Every metric's per-variant summaries and comparisons, with the family correction and
 * significance: the part of the analysis that /results and each /results/timeseries point share,
 * so that the same data give the same numbers in both. The family is every treatment × (primary +
 * secondary) comparison with a p-value; guardrails stay unadjusted.
 */
export function analyzeMetrics(input: MetricsAnalysisInput): MetricWork[] {
  const { analysis, confidenceLevel, correction, controlVariant } = input;
  const alpha = alphaOf(confidenceLevel);
  const control = input.variants.find((v) => v.name === controlVariant);
  if (!control) throw new Error(`control variant "${controlVariant}" is not one of the variants`);
  const treatments = input.variants.filter((v) => v.name !== controlVariant);

  const works: MetricWork[] = input.metrics.map((metric) => {
    const controlSample = sampleOf(metric, control);
    const raw = treatments.map((t) =>
      compareToControl(sampleOf(metric, t), controlSample, {
        type: metric.type,
        goal: metric.goal,
        analysis,
        confidenceLevel,
      }),
    );
    let overall: OverallTestResult | null = null;
    if (metric.type === 'conversion') {
      const chi = chiSquareIndependence(input.variants.map((v) => ({ successes: sampleOf(metric, v).stats.conversions, total: v.users })));
      overall = {
        test: 'chi-square',
        statistic: chi?.statistic ?? null,
        dof: input.variants.length - 1,
        pValue: chi?.pValue ?? null,
      };
    }
    const result: MetricResult = {
      name: metric.name,
      type: metric.type,
      role: metric.role,
      goal: metric.goal,
      test: metricTestName(metric.type, analysis),
      variants: input.variants.map((v) => summarizeVariantMetric(v.name, sampleOf(metric, v), metric.type, analysis, confidenceLevel)),
      overall,
      comparisons: [],
    };
    return { input: metric, result, raw, verdicts: [] };
  });

  // The family: every treatment × (primary + secondary) comparison that was tested (p ≠ null).
  const family: { work: MetricWork; index: number }[] = [];
  for (const work of works) {
    if (work.input.role === 'guardrail') continue;
    work.raw.forEach((_, index) => family.push({ work, index }));
  }
  const familyAdjusted = adjustPValues(
    family.map((f) => f.work.raw[f.index].pValue),
    correction,
  );
  const familySize = familyAdjusted.filter((p) => p !== null).length;
  const adjustedOf = new Map<MetricWork, (number | null)[]>();
  family.forEach((f, k) => {
    const list = adjustedOf.get(f.work) ?? [];
    list[f.index] = familyAdjusted[k];
    adjustedOf.set(f.work, list);
  });

  for (const work of works) {
    const guardrail = work.input.role === 'guardrail';
    work.result.comparisons = work.raw.map((raw, index) => {
      // Guardrails are outside the family: their adjusted p-value is the raw one (§5).
      const adjusted = guardrail ? raw.pValue : (adjustedOf.get(work)?.[index] ?? null);
      let level: number | null = null;
      if (raw.decisionBasis !== null) {
        if (analysis === 'bayesian') level = 2 * confidenceLevel - 1;
        else if (raw.pValue !== null && adjusted !== null) {
          level = 1 - comparisonAlpha(raw.pValue, adjusted, alpha, guardrail ? 1 : familySize);
        }
      }
      const decisionCi =
        input.decisionIntervals === false || level === null || raw.decisionBasis === null
          ? null
          : decisionInterval(raw.decisionBasis, level);
      const comparison: ComparisonResult = {
        variant: treatments[index].name,
        control: control.name,
        absoluteDiff: raw.absoluteDiff,
        absoluteCi: raw.absoluteCi,
        relativeLift: raw.relativeLift,
        relativeCi: raw.relativeCi,
        pValue: raw.pValue,
        adjustedPValue: adjusted,
        significant: isSignificant(raw, adjusted, analysis, confidenceLevel),
        chanceToWin: raw.chanceToWin,
        risk: raw.risk,
        decisionCi,
        decisionCiLevel: decisionCi === null ? null : level,
        minExpectedCount: raw.minExpectedCount,
      };
      return comparison;
    });
    work.verdicts = work.result.comparisons.map((c, i) => verdictOf(c, work.raw[i], work.input.goal, analysis, confidenceLevel));
  }
  return works;
}

/**
 * Runs the whole §5 analysis. Throws only on programming errors (unknown control variant,
 * confidenceLevel outside (0, 1)); every statistical degeneracy becomes `null`.
 */
export function analyzeExperiment(input: AnalysisInput): AnalysisResult {
  const { analysis, confidenceLevel, correction, controlVariant } = input;
  const works = analyzeMetrics(input);
  const control = input.variants.find((v) => v.name === controlVariant)!;
  const treatments = input.variants.filter((v) => v.name !== controlVariant);

  const srm = computeSrm(input.variants);
  const smallest = input.variants.reduce((m, v) => Math.min(m, v.users), Infinity);
  const smallestVariant = Number.isFinite(smallest) ? smallest : 0;
  const minimumPerVariant = Math.max(input.minimumSampleSize, MIN_USERS_PER_VARIANT);
  const sampleSize: SampleSizeStatus = {
    minimumPerVariant,
    requestedPerVariant: input.minimumSampleSize,
    smallestVariant,
    reached: smallestVariant >= minimumPerVariant,
  };

  const primaryWorks = works.filter((w) => w.input.role === 'primary');
  const primary = primaryWorks[0];
  const guardrails = works.filter((w) => w.input.role === 'guardrail');
  const tooFewExpected = primary !== undefined && primary.raw.some((r) => r.tooFewExpected);
  const decided = decide({ sampleReached: sampleSize.reached && !tooFewExpected, srm, primary, guardrails, treatments });

  const result: AnalysisResult = {
    analysis,
    confidenceLevel,
    correction,
    variants: input.variants.map((v) => ({ name: v.name, users: v.users, isControl: v.name === control.name })),
    srm,
    metrics: works.map((w) => w.result),
    sampleSize,
    decision: decided.decision,
    winner: decided.winner,
    isSignificant: primaryWorks.some((w) => w.result.comparisons.some((c) => c.significant)),
    recommendation: '',
  };
  result.recommendation = buildRecommendation({
    result,
    primary,
    guardrails,
    controlName: control.name,
    candidates: decided.candidates,
    blockedBy: decided.blockedBy,
  });
  return result;
}

export interface DecisionOutcome {
  decision: Decision;
  winner: string | null;
  /** Treatment indices significantly better on the primary metric, best estimate first. */
  candidates: number[];
  /** Per blocked candidate index: the guardrail metrics significantly worse for it. */
  blockedBy: Map<number, MetricWork[]>;
}

/** Winner precedence of §5: insufficient_data → srm → winner → guardrail_failure → no_winner. */
function decide(args: {
  sampleReached: boolean;
  srm: SrmResult;
  primary: MetricWork | undefined;
  guardrails: MetricWork[];
  treatments: AnalysisVariantInput[];
}): DecisionOutcome {
  const blockedBy = new Map<number, MetricWork[]>();
  const none = (decision: Decision): DecisionOutcome => ({ decision, winner: null, candidates: [], blockedBy });
  if (!args.sampleReached) return none('insufficient_data');
  if (args.srm.mismatch) return none('srm');
  const primary = args.primary;
  if (!primary || args.treatments.length === 0) return none('no_winner');

  // "Best estimate" = largest improvement in the goal's direction; ties keep variant order.
  const sign = primary.input.goal === 'increase' ? 1 : -1;
  const improvement = (i: number): number => sign * (primary.result.comparisons[i].absoluteDiff ?? 0);
  const candidates = primary.verdicts
    .flatMap((v, i) => (v === 'better' ? [i] : []))
    .sort((a, b) => improvement(b) - improvement(a) || a - b);

  for (const i of candidates) {
    // Guardrails are judged unadjusted (they are never in the family), in the mode's own terms.
    const failing = args.guardrails.filter((g) => g.verdicts[i] === 'worse');
    if (failing.length > 0) blockedBy.set(i, failing);
  }
  const eligible = candidates.filter((i) => !blockedBy.has(i));
  if (eligible.length > 0) {
    return { decision: 'winner', winner: args.treatments[eligible[0]].name, candidates, blockedBy };
  }
  if (candidates.length === 0 && primary.verdicts.every((v) => v === 'worse')) {
    return { decision: 'winner', winner: primary.result.comparisons[0].control, candidates, blockedBy };
  }
  if (candidates.length > 0) return { decision: 'guardrail_failure', winner: null, candidates, blockedBy };
  return { decision: 'no_winner', winner: null, candidates, blockedBy };
}
