import { mean as ssMean, sampleStandardDeviation, sum as ssSum } from 'simple-statistics';

import { summarizeSample, tInterval, welchDof, welchTTest } from './means';

// Reference values: test/reference/stats_reference.py, case C — a skewed revenue-like metric with
// many zeros (numpy RandomState(20261123): ~12 % / ~16 % of users buy, lognormal amounts rounded
// to cents). Sufficient statistics (n, users with value, math.fsum(y), math.fsum(y*y)):
const CONTROL = { n: 800, sum: 5339.11, sumSquares: 759794.5255 }; // C.control.suff
const TREATMENT = { n: 820, sum: 10367.55, sumSquares: 4271665.7411 }; // C.treatment.suff

function expectClose(actual: number | null | undefined, expected: number, tol = 1e-9): void {
  expect(typeof actual).toBe('number');
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected)));
}

function summary(s: { n: number; sum: number; sumSquares: number }) {
  const r = summarizeSample(s.n, s.sum, s.sumSquares);
  if (r === null) throw new Error('unexpected null summary');
  return r;
}

describe(summarizeSample.name, () => {
  it('should equal numpy mean and std(ddof=1) from the sufficient statistics', () => {
    // np.mean(y), np.std(y, ddof=1)
    expectClose(summary(CONTROL).mean, 6.673887500000001);
    expectClose(summary(CONTROL).stdDev, 30.105403196758434);
    expectClose(summary(TREATMENT).mean, 12.643353658536585);
    expectClose(summary(TREATMENT).stdDev, 71.10316105103814);
  });

  it('should agree with simple-statistics on raw values', () => {
    const y = [0, 0, 0, 12.5, 0, 3.25, 0, 0, 99.99, 0, 0, 1];
    const s = summarizeSample(y.length, ssSum(y), ssSum(y.map((v) => v * v)));
    expectClose(s?.mean, ssMean(y), 1e-12);
    expectClose(s?.stdDev, sampleStandardDeviation(y), 1e-12);
  });

  it('should give no variance for n = 1, null for n = 0, and never a negative variance', () => {
    expect(summarizeSample(1, 5, 25)).toEqual({ n: 1, mean: 5, variance: null, stdDev: null });
    expect(summarizeSample(0, 0, 0)).toBeNull();
    // A constant 0.1 sample: Σy² − (Σy)²/n rounds to a tiny negative without the clamp.
    const constant = summarizeSample(3, 0.1 + 0.1 + 0.1, 0.01 + 0.01 + 0.01);
    expect(constant?.variance).toBeGreaterThanOrEqual(0);
  });
});

describe(tInterval.name, () => {
  it('should equal scipy t.interval and statsmodels DescrStatsW.tconfint_mean', () => {
    // stats.t.interval(0.95, len(y) - 1, loc=np.mean(y), scale=stats.sem(y)) for control
    const c = summary(CONTROL);
    const ci = tInterval(c.mean, c.stdDev, c.n, 0.95);
    expectClose(ci?.[0], 4.584562899780418);
    expectClose(ci?.[1], 8.763212100219583);
    // DescrStatsW(y).tconfint_mean(alpha=1-0.95) for treatment
    const t = summary(TREATMENT);
    const ti = tInterval(t.mean, t.stdDev, t.n, 0.95);
    expectClose(ti?.[0], 7.769501438348442);
    expectClose(ti?.[1], 17.517205878724727);
  });

  it('should return null for n < 2 or a zero standard deviation', () => {
    expect(tInterval(5, null, 1, 0.95)).toBeNull();
    expect(tInterval(0, 0, 100, 0.95)).toBeNull();
  });
});

describe(welchTTest.name, () => {
  it('should equal scipy ttest_ind(equal_var=False) and its interval', () => {
    const r = welchTTest(summary(TREATMENT), summary(CONTROL), 0.95);
    // stats.ttest_ind(yt, yc, equal_var=False) -> (2.2096471397146384, 0.027333335486880054)
    expectClose(r?.t, 2.2096471397146384);
    expectClose(r?.pValue, 0.027333335486880054);
    // CompareMeans(DescrStatsW(yt), DescrStatsW(yc)).ttest_ind(usevar="unequal")[2]
    expectClose(r?.dof, 1109.2498823336032);
    // CompareMeans(...).tconfint_diff(alpha=1-0.95, usevar="unequal"); also diff ± t.ppf(0.975, dof)·se
    expectClose(r?.ci[0], 0.6687470389903183);
    expectClose(r?.ci[1], 11.270185278082849);
  });

  it('should take the other group dof when one variance is 0', () => {
    const zeros = { n: 50, mean: 0, variance: 0, stdDev: 0 };
    const t = summary(TREATMENT);
    expectClose(welchDof(t, zeros), t.n - 1, 1e-12);
  });

  it('should return null when either group has n < 2 or both variances are 0', () => {
    const one = { n: 1, mean: 3, variance: null, stdDev: null };
    expect(welchTTest(one, summary(CONTROL), 0.95)).toBeNull();
    const flat = { n: 10, mean: 0, variance: 0, stdDev: 0 };
    expect(welchTTest(flat, flat, 0.95)).toBeNull();
  });
});
