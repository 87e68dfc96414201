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

/**
 * The smallest expected count of the 2×2 table (converted / not converted × treatment / control)
 * under independence: min(row) · min(column) / total (scipy `contingency.expected_freq(...).min()`).
 * `null` when a group is empty.
 */
export function minExpectedCount(successesT: number, totalT: number, successesC: number, totalC: number): number | null {
  if (!validCount(successesT, totalT) || !validCount(successesC, totalC)) return null;
  const total = totalT + totalC;
  const successes = successesT + successesC;
  return (Math.min(totalT, totalC) * Math.min(successes, total - successes)) / total;
}

/**
 * Score statistic for H0: p_t − p_c = delta, with the variance at the restricted maximum-likelihood
 * rates (Farrington–Manning / Miettinen–Nurminen without the n/(n−1) factor, as statsmodels
 * `test_proportions_2indep(method="score", correction=False)`). At delta = 0 the restricted rates
 * are the pooled rate, so this is exactly the pooled two-proportion z statistic.
 */
function scoreStatistic(successesT: number, totalT: number, successesC: number, totalC: number, delta: number): number {
  const pT = successesT / totalT;
  const pC = successesC / totalC;
  const total = totalT + totalC;
  const successes = successesT + successesC;
  let rateC: number;
  let rateT: number;
  if (delta === 0) {
    rateC = rateT = successes / total;
  } else {
    // Closed-form root of the likelihood cubic (Miettinen & Nurminen 1985), index 0 = control.
    const t3 = total;
    const t2 = (totalT + 2 * totalC) * delta - total - successes;
    const t1 = (successesC * delta - total - 2 * successesC) * delta + successes;
    const t0 = successesC * delta * (1 - delta);
    const q = (t2 / (3 * t3)) ** 3 - (t1 * t2) / (6 * t3 * t3) + t0 / (2 * t3);
    const p = Math.sign(q) * Math.sqrt(Math.max(0, (t2 / (3 * t3)) ** 2 - t1 / (3 * t3)));
    const ratio = p === 0 ? 0 : Math.min(1, Math.max(-1, q / p ** 3));
    const a = (Math.PI + Math.acos(ratio)) / 3;
    rateC = 2 * p * Math.cos(a) - t2 / (3 * t3);
    rateT = rateC + delta;
  }
  const variance = (rateT * (1 - rateT)) / totalT + (rateC * (1 - rateC)) / totalC;
  const diff = pT - pC - delta;
  if (!(variance > 0)) return diff === 0 ? 0 : diff > 0 ? Infinity : -Infinity;
  return diff / Math.sqrt(variance);
}

/**
 * Score interval for p_t − p_c (Mee 1984): every delta the score test does not reject at level
 * 1 − confidenceLevel (statsmodels `confint_proportions_2indep(method="score", compare="diff",
 * correction=False)`). Because the test at delta = 0 is the pooled z-test, the interval excludes 0
 * exactly when the pooled z-test's p-value is below 1 − confidenceLevel: it is the interval that
 * agrees with the verdict. `null` when a group is empty or nobody / everybody converted.
 */
export function scoreDiffInterval(
  successesT: number,
  totalT: number,
  successesC: number,
  totalC: number,
  confidenceLevel: number,
): Interval | null {
  if (pooledTwoProportionZTest(successesT, totalT, successesC, totalC) === null) return null;
  const z = twoSidedZ(confidenceLevel);
  const diff = successesT / totalT - successesC / totalC;
  const statistic = (delta: number): number => scoreStatistic(successesT, totalT, successesC, totalC, delta);
  // The statistic falls as delta grows; each bound is where it crosses ±z (bisection to ~1e-15).
  const solve = (lo: number, hi: number, target: number): number => {
    for (let i = 0; i < 200 && hi - lo > 1e-15; i++) {
      const mid = (lo + hi) / 2;
      if (statistic(mid) > target) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  };
  const edge = 1 - 1e-12;
  const lower = statistic(-edge) <= z ? -edge : solve(-edge, diff, z);
  const upper = statistic(edge) >= -z ? edge : solve(diff, edge, -z);
  return [lower, upper];
}
