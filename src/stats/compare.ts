/**
 * One metric, one treatment against control: every number of a §5 `comparisons[]` entry except
 * the multiple-testing adjustment (which needs the whole family) and `significant`.
 */
import { chanceToWin, risk } from './bayesian';
import { twoSidedT, twoSidedZ } from './distributions';
import { summarizeSample, tInterval, welchDof, welchSe, welchTTest, type SampleSummary } from './means';
import { finiteOrNull } from './numbers';
import { pooledTwoProportionZTest, proportionDiffSe, wilsonInterval } from './proportions';
import { relativeLift, type RelativeMoments } from './relative-lift';
import { confidenceSequenceHalfWidth, sequentialPValue } from './sequential';
import type { AnalysisMode, Goal, Interval, MetricType } from './types';

/** Sufficient statistics of one metric in one variant (computed by PostgreSQL). */
export interface MetricSufficientStats {
  /** Assigned users with ≥ 1 event of this name. */
  conversions: number;
  /** Σy over assigned users, y = the user's summed event value (0 without events). */
  sum: number;
  /** Σy² over assigned users. */
  sumSquares: number;
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
  /** Wilson (conversion) or t (mean) interval; the normal credible interval in bayesian mode. */
  ci: Interval | null;
}

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
  const z = twoSidedZ(confidenceLevel);
  if (type === 'conversion') {
    const m = conversionMoments(sample);
    if (m === null) return { ...base, mean: null, stdDev: null, ci: null };
    const stdDev = Math.sqrt(m.variance ?? 0);
    const ci =
      analysis === 'bayesian' ? symmetric(m.mean, (z * stdDev) / Math.sqrt(m.n)) : wilsonInterval(conversions, users, confidenceLevel);
    return { ...base, mean: m.mean, stdDev, ci };
  }
  const s = meanSummary(sample);
  if (s === null) return { ...base, mean: null, stdDev: null, ci: null };
  const ci =
    analysis === 'bayesian'
      ? s.stdDev === null
        ? null
        : symmetric(s.mean, (z * s.stdDev) / Math.sqrt(s.n))
      : tInterval(s.mean, s.stdDev, s.n, confidenceLevel);
  return { ...base, mean: finiteOrNull(s.mean), stdDev: s.stdDev, ci };
}

/** Relative-lift point estimate and its delta-method se, from the two groups' moments. */
function relativeParts(t: Moments, c: Moments): { lift: number | null; se: number | null } {
  if (c.mean === 0 || !Number.isFinite(c.mean)) return { lift: null, se: null };
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
 * (empty groups, control mean 0, se 0, n < 2 for means) are `null`.
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

  if (type === 'conversion') {
    t = conversionMoments(treatment);
    c = conversionMoments(control);
    if (t === null || c === null) return { ...EMPTY_COMPARISON };
    se = proportionDiffSe(treatment.stats.conversions, t.n, control.stats.conversions, c.n);
    frequentistP = pooledTwoProportionZTest(treatment.stats.conversions, t.n, control.stats.conversions, c.n)?.pValue ?? null;
    frequentistQuantile = z;
    frequentistAbsCi = se === null ? null : symmetric(t.mean - c.mean, z * se);
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
  }

  const diff = finiteOrNull(t.mean - c.mean);
  if (diff === null) return { ...EMPTY_COMPARISON };
  const rel = relativeParts(t, c);
  const seOk = se !== null && se > 0 ? se : null;
  const totalN = t.n + c.n;

  if (analysis === 'frequentist') {
    return {
      ...EMPTY_COMPARISON,
      absoluteDiff: diff,
      absoluteCi: frequentistAbsCi,
      relativeLift: rel.lift,
      relativeCi:
        rel.lift === null || rel.se === null || frequentistQuantile === null ? null : symmetric(rel.lift, frequentistQuantile * rel.se),
      pValue: frequentistP,
    };
  }

  if (analysis === 'sequential') {
    return {
      ...EMPTY_COMPARISON,
      absoluteDiff: diff,
      absoluteCi: seOk === null ? null : symmetric(diff, confidenceSequenceHalfWidth(seOk, totalN, alpha)),
      relativeLift: rel.lift,
      relativeCi: rel.lift === null || rel.se === null ? null : symmetric(rel.lift, confidenceSequenceHalfWidth(rel.se, totalN, alpha)),
      pValue: seOk === null ? null : sequentialPValue(diff, seOk, totalN),
    };
  }

  // Bayesian: flat prior, Δ ~ N(diff, se²); the credible interval is diff ± z·se.
  const opposite: Goal = goal === 'increase' ? 'decrease' : 'increase';
  return {
    absoluteDiff: diff,
    absoluteCi: seOk === null ? null : symmetric(diff, z * seOk),
    relativeLift: rel.lift,
    relativeCi: rel.lift === null || rel.se === null ? null : symmetric(rel.lift, z * rel.se),
    pValue: null,
    chanceToWin: seOk === null ? null : chanceToWin(diff, seOk, goal),
    chanceToLose: seOk === null ? null : chanceToWin(diff, seOk, opposite),
    risk: seOk === null ? null : risk(diff, seOk, goal),
  };
}
