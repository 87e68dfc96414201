/** Pearson chi-square tests (api.md §5: the k×2 overall test and the SRM goodness of fit). */
import { chiSquareSurvival } from './distributions';

export interface ChiSquareResult {
  statistic: number;
  dof: number;
  pValue: number;
}

export interface GoodnessOfFitResult extends ChiSquareResult {
  /** Expected counts, total × normalised weight, in input order. */
  expected: number[];
}

/**
 * Pearson chi-square test of independence on a k×2 table (rows = variants, columns = converted /
 * not converted), no continuity correction, dof = k − 1 (scipy
 * `chi2_contingency(correction=False)`). `null` when k < 2 or any expected cell is 0 (an empty
 * variant, or nobody / everybody converted), where the statistic is undefined.
 */
export function chiSquareIndependence(rows: { successes: number; total: number }[]): ChiSquareResult | null {
  if (rows.length < 2) return null;
  if (rows.some((r) => !(r.total >= 0 && r.successes >= 0 && r.successes <= r.total))) return null;
  const grand = rows.reduce((acc, r) => acc + r.total, 0);
  const colSuccess = rows.reduce((acc, r) => acc + r.successes, 0);
  const colFailure = grand - colSuccess;
  let statistic = 0;
  for (const r of rows) {
    const expectedSuccess = (r.total * colSuccess) / grand;
    const expectedFailure = (r.total * colFailure) / grand;
    if (!(expectedSuccess > 0 && expectedFailure > 0)) return null;
    statistic += (r.successes - expectedSuccess) ** 2 / expectedSuccess + (r.total - r.successes - expectedFailure) ** 2 / expectedFailure;
  }
  const dof = rows.length - 1;
  return { statistic, dof, pValue: chiSquareSurvival(statistic, dof) };
}

/**
 * Chi-square goodness of fit of observed counts against total × weight (scipy `chisquare`), dof =
 * k − 1. Weights are normalised to sum to 1 first: the API accepts sums within 1e-6 of 1, and the
 * test assumes Σ expected = Σ observed. `null` when k < 2, the total is 0 or a weight is not > 0.
 */
export function chiSquareGoodnessOfFit(observed: number[], weights: number[]): GoodnessOfFitResult | null {
  if (observed.length < 2 || observed.length !== weights.length) return null;
  if (weights.some((w) => !(w > 0 && Number.isFinite(w)))) return null;
  const total = observed.reduce((a, b) => a + b, 0);
  if (!(total > 0)) return null;
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const expected = weights.map((w) => (total * w) / weightSum);
  const statistic = observed.reduce((acc, o, i) => acc + (o - expected[i]) ** 2 / expected[i], 0);
  const dof = observed.length - 1;
  return { statistic, dof, pValue: chiSquareSurvival(statistic, dof), expected };
}
