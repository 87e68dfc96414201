import { pooledTwoProportionZTest, proportionDiffInterval, proportionDiffSe, wilsonInterval } from './proportions';

// Reference values: test/reference/stats_reference.py (statsmodels 0.13.5, scipy 1.10.1).
// Case A: control 360 / 1,000 converted, green 386 / 1,015.
function expectClose(actual: number | null | undefined, expected: number, tol = 1e-9): void {
  expect(typeof actual).toBe('number');
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected)));
}

describe(wilsonInterval.name, () => {
  it('should equal statsmodels proportion_confint(method="wilson")', () => {
    // proportion_confint(360, 1000, alpha=1-0.95, method="wilson")
    const control = wilsonInterval(360, 1000, 0.95);
    expectClose(control?.[0], 0.3308377297718964);
    expectClose(control?.[1], 0.39023376260405895);
    // proportion_confint(386, 1015, alpha=1-0.95, method="wilson")
    const green = wilsonInterval(386, 1015, 0.95);
    expectClose(green?.[0], 0.35093446427181135);
    expectClose(green?.[1], 0.4105593403862052);
    // proportion_confint(360, 1000, alpha=1-0.9, method="wilson")
    const ninety = wilsonInterval(360, 1000, 0.9);
    expectClose(ninety?.[0], 0.3354414764531344);
    expectClose(ninety?.[1], 0.3853140316539986);
  });

  it('should stay inside [0, 1] with a non-zero width at 0 and n conversions', () => {
    const zero = wilsonInterval(0, 50, 0.95);
    const all = wilsonInterval(50, 50, 0.95);
    expect(zero?.[0]).toBeCloseTo(0, 15);
    expect(zero?.[1]).toBeGreaterThan(0);
    expect(all?.[1]).toBeCloseTo(1, 15);
    expect(all?.[0]).toBeLessThan(1);
  });

  it('should return null for 0 users or impossible counts', () => {
    expect(wilsonInterval(0, 0, 0.95)).toBeNull();
    expect(wilsonInterval(5, 3, 0.95)).toBeNull();
    expect(wilsonInterval(-1, 3, 0.95)).toBeNull();
  });
});

describe(pooledTwoProportionZTest.name, () => {
  it('should equal statsmodels proportions_ztest (pooled, two-sided)', () => {
    // proportions_ztest([386, 360], [1015, 1000]) -> (0.9433470587378585, 0.3455034128763609)
    const r = pooledTwoProportionZTest(386, 1015, 360, 1000);
    expectClose(r?.z, 0.9433470587378585);
    expectClose(r?.pValue, 0.3455034128763609);
  });

  it('should equal the 2x2 chi-square without continuity correction', () => {
    // chi2_contingency([[386, 629], [360, 640]], correction=False) -> statistic 0.8899036732293694
    const r = pooledTwoProportionZTest(386, 1015, 360, 1000);
    expectClose((r?.z ?? NaN) ** 2, 0.8899036732293694);
  });

  it('should return null when a group is empty or nobody (or everybody) converted', () => {
    expect(pooledTwoProportionZTest(0, 0, 10, 100)).toBeNull();
    expect(pooledTwoProportionZTest(0, 100, 0, 100)).toBeNull();
    expect(pooledTwoProportionZTest(100, 100, 100, 100)).toBeNull();
  });
});

describe(proportionDiffInterval.name, () => {
  it('should equal statsmodels confint_proportions_2indep(method="wald", compare="diff")', () => {
    // confint_proportions_2indep(386, 1015, 360, 1000, method="wald", compare="diff", alpha=1-0.95)
    const r = proportionDiffInterval(386, 1015, 360, 1000, 0.95);
    expectClose(r?.diff, 0.02029556650246306);
    expectClose(r?.ci[0], -0.02185906386234096);
    expectClose(r?.ci[1], 0.06245019686726708);
  });

  it('should use the unpooled standard error', () => {
    const se = proportionDiffSe(386, 1015, 360, 1000);
    expectClose(se, Math.sqrt(((386 / 1015) * (1 - 386 / 1015)) / 1015 + (0.36 * 0.64) / 1000), 1e-15);
  });

  it('should return null when the standard error is 0', () => {
    expect(proportionDiffInterval(0, 100, 0, 200, 0.95)).toBeNull();
    expect(proportionDiffInterval(1, 0, 0, 200, 0.95)).toBeNull();
  });
});
