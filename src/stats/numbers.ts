/**
 * Small numeric guards. The API must never serialise NaN or Infinity (JSON.stringify turns them
 * into `null` silently, or worse, downstream code compares against them), so every quantity that
 * can be undefined passes through these helpers and becomes an explicit `null`.
 */

/** `x` when it is a finite number, otherwise `null`. */
export function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** Clamps a probability into [0, 1]; `1 - cdf` can land a hair outside by rounding. */
export function clampProbability(p: number): number {
  return Math.min(1, Math.max(0, p));
}

/** α = 1 − confidenceLevel, validated so that quantiles are defined. */
export function alphaOf(confidenceLevel: number): number {
  if (!(confidenceLevel > 0 && confidenceLevel < 1)) {
    throw new RangeError(`confidenceLevel must be in (0, 1), got ${confidenceLevel}`);
  }
  return 1 - confidenceLevel;
}
