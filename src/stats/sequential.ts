/**
 * Always-valid asymptotic confidence sequences (Waudby-Smith et al. 2021, as used by GrowthBook),
 * exactly the api.md §5 formula, with N = n_t + n_c and a tuning constant of 5000:
 *   ρ² = (−2 ln α + ln(−2 ln α + 1)) / 5000
 *   half-width = se·√N · √( 2(Nρ² + 1) / (N²ρ²) · ln(√(Nρ² + 1) / α) )
 */

/** The §5 tuning constant: the sequence is tightest around N = 5000 total users. */
export const SEQUENTIAL_TUNING_N = 5000;

/** ρ² for a given α. */
export function sequentialRhoSquared(alpha: number): number {
  const l = -2 * Math.log(alpha);
  return (l + Math.log1p(l)) / SEQUENTIAL_TUNING_N;
}

/**
 * Half-width of the confidence sequence for an estimate with standard error `se` after `totalN`
 * users (treatment + control). `null` when se ≤ 0, N ≤ 0 or α outside (0, 1).
 */
export function confidenceSequenceHalfWidth(se: number, totalN: number, alpha: number): number | null {
  if (!(se > 0 && Number.isFinite(se) && totalN > 0 && alpha > 0 && alpha < 1)) return null;
  const rho2 = sequentialRhoSquared(alpha);
  const nRho2 = totalN * rho2;
  // ln(√(Nρ²+1)/α) written with log1p so α close to 1 (used by the p-value search) stays accurate.
  const logTerm = 0.5 * Math.log1p(nRho2) - Math.log(alpha);
  const width = se * Math.sqrt(totalN) * Math.sqrt(((2 * (nRho2 + 1)) / (totalN * totalN * rho2)) * logTerm);
  return Number.isFinite(width) ? width : null;
}

/**
 * Always-valid p-value: the smallest α at which the confidence sequence around `diff` excludes 0,
 * so `p < α` ⇔ the sequence at level α excludes 0. Found by bisection on ln α (the half-width
 * decreases monotonically in α; checked in the spec). 1 when even α → 1 does not exclude 0.
 * `null` when se ≤ 0 or N ≤ 0.
 */
export function sequentialPValue(diff: number, se: number, totalN: number): number | null {
  if (!(se > 0 && Number.isFinite(se) && totalN > 0 && Number.isFinite(diff))) return null;
  const target = Math.abs(diff);
  const excludes = (logAlpha: number): boolean => (confidenceSequenceHalfWidth(se, totalN, Math.exp(logAlpha)) ?? Infinity) < target;
  let hi = -1e-12; // α just below 1
  let lo = -745; // α at the smallest subnormal double
  if (!excludes(hi)) return 1;
  if (excludes(lo)) return 0;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (excludes(mid)) hi = mid;
    else lo = mid;
  }
  return Math.exp((lo + hi) / 2);
}
