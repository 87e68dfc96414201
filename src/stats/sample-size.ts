/**
 * Fixed-horizon sample size per variant (api.md §5), two-sided at α = 1 − confidenceLevel, or at the
 * Bonferroni level α/m when m comparisons share the family correction: Holm (and BH) reject at
 * least whatever Bonferroni rejects, so a sample powered at α/m has at least the stated power under
 * the decision rule the results apply (docs/decisions/007).
 */
import { normalQuantile } from './distributions';

export interface ConversionSampleSizeInput {
  /** Control conversion rate p₁, in (0, 1). */
  baselineRate: number;
  /** Absolute (p₂ − p₁) or, with `relative`, a fraction of p₁ (0.05 = +5 %). Non-zero. */
  minDetectableEffect: number;
  relative: boolean;
  confidenceLevel: number;
  /** 1 − β, in (0, 1). */
  power: number;
  /** Number of variants including control (≥ 2). */
  variants: number;
  /** Comparisons in the family the decision corrects over (default 1: no adjustment). */
  comparisons?: number;
}

export interface MeanSampleSizeInput {
  /** σ, the per-user standard deviation, > 0. */
  stdDev: number;
  /** Δ in the metric's units, or a fraction of `baselineMean` with `relative`. Non-zero. */
  minDetectableEffect: number;
  relative: boolean;
  /** Needed only when `relative` is true. */
  baselineMean?: number;
  confidenceLevel: number;
  power: number;
  variants: number;
  /** As for conversions. */
  comparisons?: number;
}

export interface SampleSizeResult {
  /** Users per variant, rounded up. */
  perVariant: number;
  /** perVariant × variants. */
  total: number;
  /** Effect in absolute units that the calculation used (p₂ − p₁ or Δ). */
  absoluteEffect: number;
  /** p₂ for conversion metrics; omitted for means. */
  targetRate?: number;
  /** The two-sided level each comparison is powered at: (1 − confidenceLevel) / comparisons. */
  alpha: number;
}

/** Bonferroni-adjusted two-sided α and its z; `null` when comparisons is not a positive integer. */
function adjustedZ(confidenceLevel: number, comparisons = 1): { alpha: number; z: number } | null {
  if (!(Number.isInteger(comparisons) && comparisons >= 1)) return null;
  const alpha = (1 - confidenceLevel) / comparisons;
  return { alpha, z: normalQuantile(1 - alpha / 2) };
}

function validCommon(confidenceLevel: number, power: number, variants: number): boolean {
  return confidenceLevel > 0 && confidenceLevel < 1 && power > 0 && power < 1 && Number.isInteger(variants) && variants >= 2;
}

function finish(raw: number, variants: number): { perVariant: number; total: number } | null {
  if (!Number.isFinite(raw) || raw <= 0) return null;
  const perVariant = Math.ceil(raw);
  return { perVariant, total: perVariant * variants };
}

/**
 * n = (z·√(2p̄q̄) + z_β·√(p₁q₁ + p₂q₂))² / (p₂ − p₁)², p̄ = (p₁ + p₂)/2, z_β = Φ⁻¹(power).
 * `null` when the inputs make n undefined (p₁ or p₂ outside (0, 1), effect 0, power or
 * confidence outside (0, 1), fewer than 2 variants); the caller turns that into a 400.
 */
export function conversionSampleSize(input: ConversionSampleSizeInput): SampleSizeResult | null {
  const { baselineRate: p1, minDetectableEffect: mde, relative, confidenceLevel, power, variants } = input;
  if (!validCommon(confidenceLevel, power, variants)) return null;
  if (!(p1 > 0 && p1 < 1) || !Number.isFinite(mde) || mde === 0) return null;
  const p2 = relative ? p1 * (1 + mde) : p1 + mde;
  if (!(p2 > 0 && p2 < 1)) return null;
  const adjusted = adjustedZ(confidenceLevel, input.comparisons);
  if (adjusted === null) return null;
  const { z, alpha } = adjusted;
  const zBeta = normalQuantile(power);
  const pBar = (p1 + p2) / 2;
  const numerator = z * Math.sqrt(2 * pBar * (1 - pBar)) + zBeta * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  const done = finish(numerator ** 2 / (p2 - p1) ** 2, variants);
  return done && { ...done, absoluteEffect: p2 - p1, targetRate: p2, alpha };
}

/** n = 2(z + z_β)²σ²/Δ². `null` when σ ≤ 0, Δ = 0 (or baselineMean missing/0 with `relative`). */
export function meanSampleSize(input: MeanSampleSizeInput): SampleSizeResult | null {
  const { stdDev, minDetectableEffect: mde, relative, baselineMean, confidenceLevel, power, variants } = input;
  if (!validCommon(confidenceLevel, power, variants)) return null;
  if (!(stdDev > 0 && Number.isFinite(stdDev)) || !Number.isFinite(mde) || mde === 0) return null;
  let delta = mde;
  if (relative) {
    if (baselineMean === undefined || !Number.isFinite(baselineMean) || baselineMean === 0) return null;
    delta = baselineMean * mde;
  }
  const adjusted = adjustedZ(confidenceLevel, input.comparisons);
  if (adjusted === null) return null;
  const { z, alpha } = adjusted;
  const zBeta = normalQuantile(power);
  const done = finish((2 * (z + zBeta) ** 2 * stdDev ** 2) / delta ** 2, variants);
  return done && { ...done, absoluteEffect: delta, alpha };
}
