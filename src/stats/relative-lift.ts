/** Relative lift and its delta-method interval (api.md §5). */
import type { Interval } from './types';

export interface RelativeMoments {
  meanT: number;
  /** Per-user variance s_t² (p(1−p) for conversions). */
  varianceT: number;
  nT: number;
  meanC: number;
  varianceC: number;
  nC: number;
}

export interface RelativeLift {
  /** (μ_t − μ_c) / μ_c. */
  lift: number;
  /** Delta-method standard error of the lift. */
  se: number;
}

/**
 * Relative lift with the delta-method variance
 * var = s_t²/(μ_c² n_t) + s_c² μ_t²/(μ_c⁴ n_c). `null` when μ_c = 0 (lift undefined) or a group is
 * empty.
 */
export function relativeLift(m: RelativeMoments): RelativeLift | null {
  if (!(m.nT > 0 && m.nC > 0) || m.meanC === 0 || !Number.isFinite(m.meanC)) return null;
  const lift = (m.meanT - m.meanC) / m.meanC;
  const variance = m.varianceT / (m.meanC ** 2 * m.nT) + (m.varianceC * m.meanT ** 2) / (m.meanC ** 4 * m.nC);
  const se = Math.sqrt(variance);
  if (!Number.isFinite(lift) || !Number.isFinite(se)) return null;
  return { lift, se };
}

/**
 * lift ± quantile·se, where `quantile` is the same critical value as the absolute interval (z for
 * conversions, t(dof) for means). `null` when se = 0 (zero-width intervals claim false certainty).
 */
export function relativeLiftInterval(m: RelativeMoments, quantile: number): Interval | null {
  const r = relativeLift(m);
  if (r === null || !(r.se > 0) || !Number.isFinite(quantile)) return null;
  return [r.lift - quantile * r.se, r.lift + quantile * r.se];
}
