/**
 * Thin wrappers over the @stdlib distribution functions, so the rest of the module speaks in
 * "standard normal", "Student t" and "chi-square survival" and never hand-rolls an approximation.
 */
import gammainc from '@stdlib/math-base-special-gammainc';
import betaQuantileStdlib from '@stdlib/stats-base-dists-beta-quantile';
import normalCdfStdlib from '@stdlib/stats-base-dists-normal-cdf';
import normalPdfStdlib from '@stdlib/stats-base-dists-normal-pdf';
import normalQuantileStdlib from '@stdlib/stats-base-dists-normal-quantile';
import tCdfStdlib from '@stdlib/stats-base-dists-t-cdf';
import tQuantileStdlib from '@stdlib/stats-base-dists-t-quantile';

import { alphaOf, clampProbability } from './numbers';

/** Φ(x), the standard normal CDF. */
export function normalCdf(x: number): number {
  return normalCdfStdlib(x, 0, 1);
}

/** φ(x), the standard normal density. */
export function normalPdf(x: number): number {
  return normalPdfStdlib(x, 0, 1);
}

/** Φ⁻¹(p). */
export function normalQuantile(p: number): number {
  return normalQuantileStdlib(p, 0, 1);
}

/** Student t CDF with `dof` (possibly fractional) degrees of freedom. */
export function studentTCdf(x: number, dof: number): number {
  return tCdfStdlib(x, dof);
}

/** Student t quantile with `dof` (possibly fractional) degrees of freedom. */
export function studentTQuantile(p: number, dof: number): number {
  return tQuantileStdlib(p, dof);
}

/**
 * P(X² ≥ x) for a chi-square with `dof` degrees of freedom: the upper regularised incomplete gamma
 * Q(dof/2, x/2), computed directly (scipy `chi2.sf`). 1 − CDF, used before, lost every digit below
 * ~1e-16 and reported 0.
 */
export function chiSquareSurvival(x: number, dof: number): number {
  if (!(x > 0)) return 1;
  return clampProbability(gammainc(x / 2, dof / 2, true, true));
}

/** Quantile of Beta(a, b) (scipy `beta.ppf`). */
export function betaQuantile(p: number, a: number, b: number): number {
  return betaQuantileStdlib(p, a, b);
}

/** Two-sided normal critical value z = Φ⁻¹(1 − α/2) for a confidence level. */
export function twoSidedZ(confidenceLevel: number): number {
  return normalQuantile(1 - alphaOf(confidenceLevel) / 2);
}

/** Two-sided t critical value t(1 − α/2; dof); `null` when dof is not a positive finite number. */
export function twoSidedT(confidenceLevel: number, dof: number): number | null {
  if (!(Number.isFinite(dof) && dof > 0)) return null;
  return studentTQuantile(1 - alphaOf(confidenceLevel) / 2, dof);
}

/** Two-sided p-value of a standard normal statistic, computed from the lower tail for accuracy. */
export function twoSidedNormalPValue(z: number): number {
  return clampProbability(2 * normalCdf(-Math.abs(z)));
}

/** Two-sided p-value of a t statistic, computed from the lower tail for accuracy. */
export function twoSidedTPValue(t: number, dof: number): number {
  return clampProbability(2 * studentTCdf(-Math.abs(t), dof));
}
