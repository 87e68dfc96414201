/**
 * Bayesian summaries under a flat prior with the normal approximation (api.md §5):
 * Δ ~ N(diff, se²), se the unpooled standard error of the difference.
 */
import { normalCdf, normalPdf } from './distributions';
import type { Goal } from './types';

function defined(diff: number, se: number): boolean {
  return Number.isFinite(diff) && Number.isFinite(se) && se > 0;
}

/**
 * P(Δ in the goal's direction): Φ(diff/se) for `increase`, Φ(−diff/se) for `decrease`.
 * `null` when se is not > 0.
 */
export function chanceToWin(diff: number, se: number, goal: Goal): number | null {
  if (!defined(diff, se)) return null;
  return normalCdf((goal === 'increase' ? diff : -diff) / se);
}

/**
 * Expected loss of shipping the treatment, in the metric's absolute units: E[max(−Δ, 0)] =
 * se·φ(d/se) − d·Φ(−d/se) for `increase`; mirrored, E[max(Δ, 0)] = se·φ(d/se) + d·Φ(d/se), for
 * `decrease`. `null` when se is not > 0.
 */
export function risk(diff: number, se: number, goal: Goal): number | null {
  if (!defined(diff, se)) return null;
  const d = goal === 'increase' ? diff : -diff;
  // After mirroring, both goals are the same expression in d; φ is symmetric so φ(d/se) is unchanged.
  return Math.max(0, se * normalPdf(d / se) - d * normalCdf(-d / se));
}
