/**
 * Conversion-metric building blocks (api.md §5). The unit is the assigned user: `successes` are
 * assigned users with ≥ 1 event, `total` the assigned users.
 */
import { twoSidedNormalPValue, twoSidedZ } from './distributions';
import type { Interval } from './types';

export interface ZTestResult {
  /** (p_t − p_c) / se_pooled. */
  z: number;
  /** Two-sided p-value. */
  pValue: number;
}

export interface DiffInterval {
  /** p_t − p_c. */
  diff: number;
  /** Unpooled standard error √(p_t(1−p_t)/n_t + p_c(1−p_c)/n_c). */
  se: number;
  /** diff ± z·se. */
  ci: Interval;
}

function validCount(successes: number, total: number): boolean {
  return total > 0 && successes >= 0 && successes <= total;
}

/**
 * Wilson score interval for x successes out of n (same as statsmodels
 * `proportion_confint(method="wilson")`). `null` when n = 0 or x is outside [0, n].
 */
export function wilsonInterval(successes: number, total: number, confidenceLevel: number): Interval | null {
  if (!validCount(successes, total)) return null;
  const z = twoSidedZ(confidenceLevel);
  const z2 = z * z;
  const p = successes / total;
  const denom = 1 + z2 / total;
  const center = (p + z2 / (2 * total)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total))) / denom;
  return [center - half, center + half];
}

/**
 * Pooled two-proportion z-test, two-sided (statsmodels `proportions_ztest`, identical to the 2×2
 * chi-square without continuity correction). `null` when a group is empty or the pooled rate is 0
 * or 1 (se = 0: the test is undefined, not "p = 1").
 */
export function pooledTwoProportionZTest(successesT: number, totalT: number, successesC: number, totalC: number): ZTestResult | null {
  if (!validCount(successesT, totalT) || !validCount(successesC, totalC)) return null;
  const pooled = (successesT + successesC) / (totalT + totalC);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / totalT + 1 / totalC));
  if (!(se > 0)) return null;
  const z = (successesT / totalT - successesC / totalC) / se;
  return { z, pValue: twoSidedNormalPValue(z) };
}

/** Unpooled standard error of p_t − p_c; `null` when a group is empty. */
export function proportionDiffSe(successesT: number, totalT: number, successesC: number, totalC: number): number | null {
  if (!validCount(successesT, totalT) || !validCount(successesC, totalC)) return null;
  const pt = successesT / totalT;
  const pc = successesC / totalC;
  return Math.sqrt((pt * (1 - pt)) / totalT + (pc * (1 - pc)) / totalC);
}

/**
 * Wald interval for p_t − p_c with the unpooled se (statsmodels
 * `confint_proportions_2indep(method="wald", compare="diff")`). `null` when a group is empty or
 * se = 0 (both rates 0 or 1: a zero-width interval would claim certainty the data do not give).
 */
export function proportionDiffInterval(
  successesT: number,
  totalT: number,
  successesC: number,
  totalC: number,
  confidenceLevel: number,
): DiffInterval | null {
  const se = proportionDiffSe(successesT, totalT, successesC, totalC);
  if (se === null || !(se > 0)) return null;
  const diff = successesT / totalT - successesC / totalC;
  const half = twoSidedZ(confidenceLevel) * se;
  return { diff, se, ci: [diff - half, diff + half] };
}
