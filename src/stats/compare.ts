/**
 * One metric, one treatment against control: every number of a §5 `comparisons[]` entry except
 * the multiple-testing adjustment (which needs the whole family), `significant` and the interval
 * shown with the verdict (which needs the adjusted level; see `decisionInterval`).
 */
import { chanceToWin, risk } from './bayesian';
import { betaQuantile, twoSidedT, twoSidedZ } from './distributions';
import { summarizeSample, tInterval, welchDof, welchSe, welchTTest, type SampleSummary } from './means';
import { finiteOrNull } from './numbers';
import { minExpectedCount, pooledTwoProportionZTest, proportionDiffSe, scoreDiffInterval, wilsonInterval } from './proportions';
import { relativeLift, type RelativeMoments } from './relative-lift';
import { confidenceSequenceHalfWidth, sequentialPValue } from './sequential';
import type { AnalysisMode, Goal, Interval, MetricType } from './types';

/**
 * Below this expected count in any cell of a comparison's 2×2 table the normal approximation behind
 * the z-test (and the Bayesian and sequential normal forms) is not trusted: the comparison is not
 * tested (p-value, chance to win and risk `null`) and a primary metric's verdict is
 * `insufficient_data` (docs/decisions/007).
 */
export const MIN_EXPECTED_COUNT = 5;

/** Sufficient statistics of one metric in one variant (computed by PostgreSQL). */
export interface MetricSufficientStats {
  /** Assigned users with ≥ 1 event of this name. */
  conversions: number;
  /**
   * Σy over assigned users, y = the user's summed event value (0 without events): exact decimal
   * text (PostgreSQL numeric) or a double.
   */
  sum: number | string;
  /** Σy² over assigned users, as `sum`. The variance is formed from these exactly (exact-sums.ts). */
  sumSquares: number | string;
}

export interface VariantSample {
  /** Assigned users. */
  users: number;
  stats: MetricSufficientStats;
}

export interface VariantMetricSummary {
  name: string;
  users: number;
  conversions: number;
  /** conversions / users: the conversion rate, or for mean metrics the share of users with an event. */
  rate: number | null;
  /** Mean per assigned user: equals `rate` for conversion metrics (mean of the 0/1 outcome). */
  mean: number | null;
  /** Per-user standard deviation: √(p(1−p)) for conversions (as the tests use), n − 1 for means. */
  stdDev: number | null;
  /**
   * Wilson (conversion) or t (mean) interval, fixed-horizon in every mode but bayesian; there the
   * Beta(1 + x, 1 + n − x) credible interval (conversion) or the normal one (mean).
   */
  ci: Interval | null;
}

/** What the interval shown with the verdict is computed from (see `decisionInterval`). */
export type DecisionBasis =
  | { kind: 'score'; successesT: number; totalT: number; successesC: number; totalC: number; diff: number }
  | { kind: 'welch'; diff: number; se: number; dof: number }
  | { kind: 'sequence'; diff: number; se: number; totalN: number }
  | { kind: 'posterior'; diff: number; se: number };

export interface RawComparison {
  absoluteDiff: number | null;
  absoluteCi: Interval | null;
  relativeLift: number | null;
  relativeCi: Interval | null;
  /** Fixed-horizon p (frequentist), always-valid p (sequential), `null` (bayesian). */
  pValue: number | null;
  /** P(Δ in the goal's direction); bayesian mode only, else `null`. */
  chanceToWin: number | null;
  /** P(Δ against the goal's direction); bayesian mode only, used to detect "significantly worse". */
  chanceToLose: number | null;
  /** Expected loss of shipping the treatment; bayesian mode only, else `null`. */
  risk: number | null;
  /** Conversion metrics: the smallest expected cell count of the 2×2 table; `null` for means. */
  minExpectedCount: number | null;
  /** true when the comparison is not tested because an expected count is below MIN_EXPECTED_COUNT. */
  tooFewExpected: boolean;
  /** `null` when the comparison is not tested. */
  decisionBasis: DecisionBasis | null;
}

export interface CompareOptions {
  type: MetricType;
  goal: Goal;
  analysis: AnalysisMode;
  confidenceLevel: number;
}

const EMPTY_COMPARISON: RawComparison = {
  absoluteDiff: null,
  absoluteCi: null,
  relativeLift: null,
  relativeCi: null,
  pValue: null,
  chanceToWin: null,
  chanceToLose: null,
  risk: null,
  minExpectedCount: null,
  tooFewExpected: false,
  decisionBasis: null,
};

/** `center ± half`, or `null` when the half-width is undefined or 0. */
function symmetric(center: number, half: number | null): Interval | null {
  if (half === null || !(half > 0) || !Number.isFinite(half) || !Number.isFinite(center)) return null;
  return [center - half, center + half];
}

/** Per-user mean and variance in the form the relative-lift and Bayesian code share. */
interface Moments {
  n: number;
  mean: number;
  variance: number | null;
}

function conversionMoments(sample: VariantSample): Moments | null {
  const { users } = sample;
  const x = sample.stats.conversions;
  if (!(users > 0) || !(x >= 0 && x <= users)) return null;
  const p = x / users;
  return { n: users, mean: p, variance: p * (1 - p) };
}

function meanSummary(sample: VariantSample): SampleSummary | null {
  return summarizeSample(sample.users, sample.stats.sum, sample.stats.sumSquares);
}

/** Equal-tailed Beta(1 + x, 1 + n − x) interval: the posterior of a rate under a uniform prior. */
function betaInterval(successes: number, total: number, confidenceLevel: number): Interval | null {
  if (!(total > 0 && successes >= 0 && successes <= total)) return null;
  const tail = (1 - confidenceLevel) / 2;
  const a = 1 + successes;
  const b = 1 + total - successes;
  const lo = betaQuantile(tail, a, b);
  const hi = betaQuantile(1 - tail, a, b);
  return Number.isFinite(lo) && Number.isFinite(hi) ? [lo, hi] : null;
}

/** Descriptive numbers and the per-variant interval for one metric in one variant. */
export function summarizeVariantMetric(
  name: string,
  sample: VariantSample,
  type: MetricType,
  analysis: AnalysisMode,
  confidenceLevel: number,
): VariantMetricSummary {
  const { users } = sample;
  const conversions = sample.stats.conversions;
  const rate = users > 0 ? finiteOrNull(conversions / users) : null;
  const base = { name, users, conversions, rate };
  if (type === 'conversion') {
    const m = conversionMoments(sample);
    if (m === null) return { ...base, mean: null, stdDev: null, ci: null };
    const stdDev = Math.sqrt(m.variance ?? 0);
    const ci =
      analysis === 'bayesian' ? betaInterval(conversions, users, confidenceLevel) : wilsonInterval(conversions, users, confidenceLevel);
    return { ...base, mean: m.mean, stdDev, ci };
  }
  const s = meanSummary(sample);
  if (s === null) return { ...base, mean: null, stdDev: null, ci: null };
  const z = twoSidedZ(confidenceLevel);
  const ci =
    analysis === 'bayesian'
      ? s.stdDev === null
        ? null
        : symmetric(s.mean, (z * s.stdDev) / Math.sqrt(s.n))
      : tInterval(s.mean, s.stdDev, s.n, confidenceLevel);
  return { ...base, mean: finiteOrNull(s.mean), stdDev: s.stdDev, ci };
}

/**
 * Relative-lift point estimate and its delta-method se. Undefined (`null`) when the control mean is
 * ≤ 0: dividing by a negative control flips the sign of the "lift" (−5 → −4 is an improvement that
 * would read −20 %), and by 0 it does not exist; the absolute difference speaks for it then.
 */
function relativeParts(t: Moments, c: Moments): { lift: number | null; se: number | null } {
  if (!(c.mean > 0) || !Number.isFinite(c.mean)) return { lift: null, se: null };
  const lift = finiteOrNull((t.mean - c.mean) / c.mean);
  if (t.variance === null || c.variance === null) return { lift, se: null };
  const m: RelativeMoments = {
    meanT: t.mean,
    varianceT: t.variance,
    nT: t.n,
    meanC: c.mean,
    varianceC: c.variance,
    nC: c.n,
  };
  return { lift, se: relativeLift(m)?.se ?? null };
}

/**
 * Compares a treatment with control for one metric under the chosen analysis. Undefined parts
 * (empty groups, control mean ≤ 0 for the relative lift, se 0, n < 2 for means) are `null`; a
 * conversion comparison with an expected count below MIN_EXPECTED_COUNT keeps its descriptive
 * numbers but is not tested.
 */
export function compareToControl(treatment: VariantSample, control: VariantSample, options: CompareOptions): RawComparison {
  const { type, goal, analysis, confidenceLevel } = options;
  const alpha = 1 - confidenceLevel;
  const z = twoSidedZ(confidenceLevel);

  let t: Moments | null;
  let c: Moments | null;
  // se of the difference (unpooled), the frequentist p-value and quantile, per metric type.
  let se: number | null = null;
  let frequentistP: number | null = null;
  let frequentistQuantile: number | null = null;
  let frequentistAbsCi: Interval | null = null;
  let frequentistBasis: DecisionBasis | null = null;
  let minExpected: number | null = null;

  if (type === 'conversion') {
    t = conversionMoments(treatment);
    c = conversionMoments(control);
    if (t === null || c === null) return { ...EMPTY_COMPARISON };
    const xT = treatment.stats.conversions;
    const xC = control.stats.conversions;
    se = proportionDiffSe(xT, t.n, xC, c.n);
    minExpected = minExpectedCount(xT, t.n, xC, c.n);
    frequentistP = pooledTwoProportionZTest(xT, t.n, xC, c.n)?.pValue ?? null;
    frequentistQuantile = z;
    frequentistAbsCi = se === null ? null : symmetric(t.mean - c.mean, z * se);
    frequentistBasis = { kind: 'score', successesT: xT, totalT: t.n, successesC: xC, totalC: c.n, diff: t.mean - c.mean };
  } else {
    const st = meanSummary(treatment);
    const sc = meanSummary(control);
    if (st === null || sc === null) return { ...EMPTY_COMPARISON };
    t = { n: st.n, mean: st.mean, variance: st.variance };
    c = { n: sc.n, mean: sc.mean, variance: sc.variance };
    se = welchSe(st, sc);
    const welch = welchTTest(st, sc, confidenceLevel);
    frequentistP = welch?.pValue ?? null;
    frequentistAbsCi = welch?.ci ?? null;
    // Same t(dof) quantile for the relative interval as for the absolute one (§5).
    const dof = welchDof(st, sc);
    frequentistQuantile = dof === null ? null : twoSidedT(confidenceLevel, dof);
    frequentistBasis = welch === null ? null : { kind: 'welch', diff: welch.diff, se: welch.se, dof: welch.dof };
  }

  const diff = finiteOrNull(t.mean - c.mean);
  if (diff === null) return { ...EMPTY_COMPARISON };
  const rel = relativeParts(t, c);
  const seOk = se !== null && se > 0 && Number.isFinite(se) ? se : null;
  const totalN = t.n + c.n;
  const tooFewExpected = minExpected !== null && minExpected < MIN_EXPECTED_COUNT;
  const described = {
    ...EMPTY_COMPARISON,
    absoluteDiff: diff,
    relativeLift: rel.lift,
    minExpectedCount: minExpected,
    tooFewExpected,
  };

  if (analysis === 'frequentist') {
    const tested = !tooFewExpected && frequentistP !== null;
    return {
      ...described,
      absoluteCi: frequentistAbsCi,
      relativeCi:
        rel.lift === null || rel.se === null || frequentistQuantile === null ? null : symmetric(rel.lift, frequentistQuantile * rel.se),
      pValue: tested ? frequentistP : null,
      decisionBasis: tested ? frequentistBasis : null,
    };
  }

  if (analysis === 'sequential') {
    const p = seOk === null ? null : sequentialPValue(diff, seOk, totalN);
    const tested = !tooFewExpected && p !== null && seOk !== null;
    return {
      ...described,
      absoluteCi: seOk === null ? null : symmetric(diff, confidenceSequenceHalfWidth(seOk, totalN, alpha)),
      relativeCi: rel.lift === null || rel.se === null ? null : symmetric(rel.lift, confidenceSequenceHalfWidth(rel.se, totalN, alpha)),
      pValue: tested ? p : null,
      decisionBasis: tested ? { kind: 'sequence', diff, se: seOk, totalN } : null,
    };
  }

  // Bayesian: flat prior, Δ ~ N(diff, se²); the credible interval is diff ± z·se.
  const opposite: Goal = goal === 'increase' ? 'decrease' : 'increase';
  const tested = !tooFewExpected && seOk !== null;
  return {
    ...described,
    absoluteCi: seOk === null ? null : symmetric(diff, z * seOk),
    relativeCi: rel.lift === null || rel.se === null ? null : symmetric(rel.lift, z * rel.se),
    chanceToWin: tested ? chanceToWin(diff, seOk, goal) : null,
    chanceToLose: tested ? chanceToWin(diff, seOk, opposite) : null,
    risk: tested ? risk(diff, seOk, goal) : null,
    decisionBasis: tested ? { kind: 'posterior', diff, se: seOk } : null,
  };
}

/**
 * The interval of the absolute difference that goes with the verdict: the interval dual to the test
 * that decided, at the level the decision used, so it excludes 0 exactly when the comparison is
 * significant. Frequentist conversions: the score interval (dual of the pooled z-test); means: the
 * Welch interval; sequential: the confidence sequence; all at level 1 − αᵢ with αᵢ the comparison's
 * family-adjusted α (see analyze-experiment). Bayesian: the equal-tailed credible interval at level
 * 2·confidenceLevel − 1, whose ends are the (1 − confidenceLevel) and confidenceLevel quantiles of
 * Δ, so it excludes 0 exactly when P(better) or P(worse) reaches confidenceLevel.
 */
export function decisionInterval(basis: DecisionBasis, level: number): Interval | null {
  if (!(level > 0 && level < 1)) return null;
  switch (basis.kind) {
    case 'score':
      return scoreDiffInterval(basis.successesT, basis.totalT, basis.successesC, basis.totalC, level);
    case 'welch': {
      const q = twoSidedT(level, basis.dof);
      return q === null ? null : symmetric(basis.diff, q * basis.se);
    }
    case 'sequence':
      return symmetric(basis.diff, confidenceSequenceHalfWidth(basis.se, basis.totalN, 1 - level));
    case 'posterior':
      return symmetric(basis.diff, twoSidedZ(level) * basis.se);
  }
}
