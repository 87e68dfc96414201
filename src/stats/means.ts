/**
 * Mean-metric building blocks (api.md §5). Inputs are sufficient statistics computed by
 * PostgreSQL: n assigned users, Σy and Σy² where y is the user's summed value (0 without events).
 */
import { twoSidedT, twoSidedTPValue } from './distributions';
import { centredSums } from './exact-sums';
import type { Interval } from './types';

export interface SampleSummary {
  n: number;
  mean: number;
  /** Sample variance with n − 1 in the denominator; `null` when n < 2. */
  variance: number | null;
  /** √variance; `null` when n < 2. */
  stdDev: number | null;
}

export interface WelchResult {
  /** mean_t − mean_c. */
  diff: number;
  /** √(s_t²/n_t + s_c²/n_c). */
  se: number;
  t: number;
  /** Welch–Satterthwaite degrees of freedom. */
  dof: number;
  /** Two-sided p-value. */
  pValue: number;
  /** diff ± t(1 − α/2; dof)·se. */
  ci: Interval;
}

/**
 * Mean and sample variance from (n, Σy, Σy²). Σy and Σy² may be exact decimal text (PostgreSQL
 * numeric) or doubles; the centred sum of squares is formed exactly (see exact-sums.ts), so the
 * variance keeps its digits at any mean/sd ratio. `null` when n = 0 or a sum is not finite.
 */
export function summarizeSample(n: number, sum: number | string, sumSquares: number | string): SampleSummary | null {
  if (!(n > 0)) return null;
  const centred = centredSums(n, sum, sumSquares);
  if (centred === null || !Number.isFinite(centred.sum)) return null;
  const mean = centred.sum / n;
  if (n < 2) return { n, mean, variance: null, stdDev: null };
  const variance = centred.sumSquaredDeviations / (n - 1);
  if (!Number.isFinite(variance)) return { n, mean, variance: null, stdDev: null };
  return { n, mean, variance, stdDev: Math.sqrt(variance) };
}

/**
 * t-interval for a mean: mean ± t(1 − α/2; n − 1)·s/√n (scipy `t.interval`). `null` when n < 2
 * or s = 0 (a zero-width interval would claim certainty the data do not give).
 */
export function tInterval(mean: number, stdDev: number | null, n: number, confidenceLevel: number): Interval | null {
  if (stdDev === null || !(n >= 2) || !(stdDev > 0)) return null;
  const q = twoSidedT(confidenceLevel, n - 1);
  if (q === null) return null;
  const half = (q * stdDev) / Math.sqrt(n);
  return [mean - half, mean + half];
}

/** Unpooled (Welch) standard error of mean_t − mean_c; `null` when a group has n < 2. */
export function welchSe(treatment: SampleSummary, control: SampleSummary): number | null {
  if (treatment.variance === null || control.variance === null) return null;
  return Math.sqrt(treatment.variance / treatment.n + control.variance / control.n);
}

/** Welch–Satterthwaite degrees of freedom; `null` when undefined (n < 2 or both variances 0). */
export function welchDof(treatment: SampleSummary, control: SampleSummary): number | null {
  if (treatment.variance === null || control.variance === null) return null;
  const vt = treatment.variance / treatment.n;
  const vc = control.variance / control.n;
  const dof = (vt + vc) ** 2 / ((vt * vt) / (treatment.n - 1) + (vc * vc) / (control.n - 1));
  return Number.isFinite(dof) && dof > 0 ? dof : null;
}

/**
 * Welch's unequal-variance t-test, two-sided, with Welch–Satterthwaite dof (scipy
 * `ttest_ind(equal_var=False)`), and the matching interval for the difference. `null` when either
 * group has n < 2 or se = 0.
 */
export function welchTTest(treatment: SampleSummary, control: SampleSummary, confidenceLevel: number): WelchResult | null {
  const se = welchSe(treatment, control);
  const dof = welchDof(treatment, control);
  if (se === null || dof === null || !(se > 0)) return null;
  const q = twoSidedT(confidenceLevel, dof);
  if (q === null) return null;
  const diff = treatment.mean - control.mean;
  const t = diff / se;
  return { diff, se, t, dof, pValue: twoSidedTPValue(t, dof), ci: [diff - q * se, diff + q * se] };
}
