import {
  chiSquareSurvival,
  normalCdf,
  normalPdf,
  normalQuantile,
  studentTCdf,
  studentTQuantile,
  twoSidedT,
  twoSidedZ,
} from './distributions';

// Reference values: test/reference/stats_reference.py (scipy 1.10.1), key quoted in each comment.
function expectClose(actual: number | null, expected: number, tol = 1e-9): void {
  expect(actual).not.toBeNull();
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected)));
}

describe('distributions', () => {
  it('should match scipy.stats.norm', () => {
    expectClose(normalQuantile(0.975), 1.959963984540054); // norm.ppf(0.975)
    expectClose(twoSidedZ(0.95), 1.959963984540054); // norm.ppf(0.975)
    expectClose(twoSidedZ(0.9), 1.6448536269514722); // norm.ppf(1-(1-0.9)/2)
    expectClose(normalCdf(-1.3), 0.09680048458561036); // norm.cdf(-1.3)
    expectClose(normalPdf(0.7), 0.31225393336676127); // norm.pdf(0.7)
  });

  it('should match scipy.stats.t for fractional and very large dof', () => {
    expectClose(studentTCdf(-2.1, 13.7), 0.027376888426766676); // t.cdf(-2.1, 13.7)
    expectClose(studentTQuantile(0.975, 13.7), 2.149201262228731); // t.ppf(0.975, 13.7)
    expectClose(twoSidedT(0.95, 2500.5), 1.9609131548711332); // t.ppf(0.975, 2500.5)
    expectClose(studentTCdf(-1.5, 250000), 0.06680783266663452); // t.cdf(-1.5, 250000)
  });

  it('should match scipy.stats.chi2.sf', () => {
    expectClose(chiSquareSurvival(3.2, 2), 0.2018965179946554); // chi2.sf(3.2, 2)
    expectClose(chiSquareSurvival(7.5, 4), 0.11170929281604328); // chi2.sf(7.5, 4)
  });

  it('should return null for a t quantile with non-finite or non-positive dof', () => {
    expect(twoSidedT(0.95, Infinity)).toBeNull();
    expect(twoSidedT(0.95, NaN)).toBeNull();
    expect(twoSidedT(0.95, 0)).toBeNull();
  });

  it('should reject a confidence level outside (0, 1)', () => {
    expect(() => twoSidedZ(1)).toThrow(RangeError);
    expect(() => twoSidedZ(0)).toThrow(RangeError);
  });
});
