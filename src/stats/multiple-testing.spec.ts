import { adjustPValues, benjaminiHochbergAdjust, holmAdjust } from './multiple-testing';

// Reference values: statsmodels 0.13.5 multipletests, see test/reference/stats_reference.py.
function expectAllClose(actual: (number | null)[], expected: number[], tol = 1e-12): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => {
    expect(typeof a).toBe('number');
    expect(Math.abs((a as number) - expected[i])).toBeLessThanOrEqual(tol);
  });
}

const pv = [0.01, 0.04, 0.03, 0.04, 0.5, 0.2];

describe(holmAdjust.name, () => {
  it('should equal multipletests(method="holm") with ties', () => {
    // multipletests([0.01, 0.04, 0.03, 0.04, 0.5, 0.2], method="holm")[1]
    expectAllClose(holmAdjust(pv), [0.06, 0.16, 0.15, 0.16, 0.5, 0.4]);
  });

  it('should cap at 1', () => {
    // multipletests([0.9, 0.6, 0.7], method="holm")[1]
    expectAllClose(holmAdjust([0.9, 0.6, 0.7]), [1, 1, 1]);
  });

  it('should equal multipletests over the 4 comparisons of 3 variants x 2 goal metrics', () => {
    // B.p = proportions_ztest p-values; multipletests(B.p, method="holm")[1]
    const p = [0.06777452076736053, 0.0021617795761400774, 0.4681306368706363, 0.09512435748687004];
    expectAllClose(holmAdjust(p), [0.2033235623020816, 0.00864711830456031, 0.4681306368706363, 0.2033235623020816]);
  });

  it('should be monotone in the raw p-values and never below them', () => {
    const p = [0.2, 0.001, 0.03, 0.03, 0.9, 0.04, 0.0005];
    const adj = holmAdjust(p);
    const order = p.map((_, i) => i).sort((a, b) => p[a] - p[b]);
    for (let k = 1; k < order.length; k++) expect(adj[order[k]]).toBeGreaterThanOrEqual(adj[order[k - 1]]);
    adj.forEach((a, i) => {
      expect(a).toBeGreaterThanOrEqual(p[i]);
      expect(a).toBeLessThanOrEqual(1);
    });
  });
});

describe(benjaminiHochbergAdjust.name, () => {
  it('should equal multipletests(method="fdr_bh") with ties', () => {
    // multipletests([0.01, 0.04, 0.03, 0.04, 0.5, 0.2], method="fdr_bh")[1]
    expectAllClose(
      benjaminiHochbergAdjust(pv),
      [0.060000000000000005, 0.060000000000000005, 0.060000000000000005, 0.060000000000000005, 0.5, 0.24],
    );
    // multipletests([0.9, 0.6, 0.7], method="fdr_bh")[1]
    expectAllClose(benjaminiHochbergAdjust([0.9, 0.6, 0.7]), [0.9, 0.9, 0.9]);
  });

  it('should equal multipletests(method="fdr_bh") over the 4 comparisons', () => {
    // multipletests(B.p, method="fdr_bh")[1]
    const p = [0.06777452076736053, 0.0021617795761400774, 0.4681306368706363, 0.09512435748687004];
    expectAllClose(benjaminiHochbergAdjust(p), [0.12683247664916006, 0.00864711830456031, 0.4681306368706363, 0.12683247664916006]);
  });
});

describe(adjustPValues.name, () => {
  it('should leave undefined p-values out of the family and keep them null', () => {
    const adj = adjustPValues([0.01, null, 0.04], 'holm');
    expect(adj[1]).toBeNull();
    expectAllClose([adj[0], adj[2]], holmAdjust([0.01, 0.04]));
  });

  it('should pass p-values through with correction none', () => {
    expect(adjustPValues([0.3, 0.01, null], 'none')).toEqual([0.3, 0.01, null]);
  });

  it('should handle an empty family', () => {
    expect(adjustPValues([], 'bh')).toEqual([]);
    expect(holmAdjust([])).toEqual([]);
  });

  it('should reject values that are not p-values', () => {
    expect(() => holmAdjust([0.1, NaN])).toThrow(RangeError);
    expect(() => benjaminiHochbergAdjust([1.5])).toThrow(RangeError);
  });
});
