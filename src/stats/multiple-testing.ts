/**
 * Multiple-testing adjustments, numerically the same as statsmodels `multipletests` (methods
 * "holm" and "fdr_bh"): monotone and capped at 1.
 */
import type { Correction } from './types';

/** Indices that sort p ascending; stable so ties keep input order (the result is tie-invariant). */
function ascendingOrder(p: readonly number[]): number[] {
  return p.map((_, i) => i).sort((a, b) => p[a] - p[b] || a - b);
}

function assertPValues(p: readonly number[]): void {
  for (const x of p) {
    if (!(x >= 0 && x <= 1)) throw new RangeError(`p-values must be in [0, 1], got ${x}`);
  }
}

/** Holm step-down: adj_(i) = max_{j≤i} min(1, (m − j + 1)·p_(j)). */
export function holmAdjust(p: readonly number[]): number[] {
  assertPValues(p);
  const m = p.length;
  const order = ascendingOrder(p);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach((index, rank) => {
    running = Math.max(running, (m - rank) * p[index]);
    adjusted[index] = Math.min(1, running);
  });
  return adjusted;
}

/** Benjamini–Hochberg step-up: adj_(i) = min_{j≥i} min(1, p_(j) / (j/m)). */
export function benjaminiHochbergAdjust(p: readonly number[]): number[] {
  assertPValues(p);
  const m = p.length;
  const order = ascendingOrder(p);
  const adjusted = new Array<number>(m);
  let running = Infinity;
  for (let rank = m - 1; rank >= 0; rank--) {
    const index = order[rank];
    // p / ((rank + 1) / m), the same operation order as statsmodels, for bit-level agreement.
    running = Math.min(running, p[index] / ((rank + 1) / m));
    adjusted[index] = Math.min(1, running);
  }
  return adjusted;
}

/**
 * Adjusts a family in which some p-values may be undefined: `null` entries are left out of the
 * family (an undefined test cannot be rejected) and stay `null`.
 */
export function adjustPValues(p: readonly (number | null)[], method: Correction): (number | null)[] {
  const present = p.flatMap((x, i) => (x === null ? [] : [{ x, i }]));
  const values = present.map((e) => e.x);
  const adjusted = method === 'holm' ? holmAdjust(values) : method === 'bh' ? benjaminiHochbergAdjust(values) : values.slice();
  const out: (number | null)[] = p.map(() => null);
  present.forEach((e, k) => {
    out[e.i] = adjusted[k];
  });
  return out;
}
