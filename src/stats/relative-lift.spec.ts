import { twoSidedT, twoSidedZ } from './distributions';
import { relativeLift, relativeLiftInterval } from './relative-lift';

// Reference values: the §5 delta-method formula evaluated by hand in test/reference/stats_reference.py:
//   var = s_t²/(μ_c² n_t) + s_c² μ_t²/(μ_c⁴ n_c); lift ± q·√var, q the absolute CI's quantile.
function expectClose(actual: number | null | undefined, expected: number, tol = 1e-9): void {
  expect(typeof actual).toBe('number');
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected)));
}

const pt = 386 / 1015;
const pc = 360 / 1000;
const conversion = { meanT: pt, varianceT: pt * (1 - pt), nT: 1015, meanC: pc, varianceC: pc * (1 - pc), nC: 1000 };

describe(relativeLift.name, () => {
  it('should match the delta method for conversions with the z quantile (case A)', () => {
    // A.lift, A.relci.hand: lift ± norm.ppf(0.975)·√var_rel with s² = p(1−p)
    expectClose(relativeLift(conversion)?.lift, 0.056376573617952945);
    const ci = relativeLiftInterval(conversion, twoSidedZ(0.95));
    expectClose(ci?.[0], -0.06405284605970321);
    expectClose(ci?.[1], 0.17680599329560912);
  });

  it('should match the delta method for a mean metric with the Welch t(dof) quantile (case C)', () => {
    // C.lift, C.relci.hand: lift ± t.ppf(0.975, 1109.249882333603)·√var_rel, numpy means / ddof=1 variances
    const m = {
      meanT: 12.643353658536585,
      varianceT: 71.10316105103814 ** 2,
      nT: 820,
      meanC: 6.673887500000001,
      varianceC: 30.105403196758434 ** 2,
      nC: 800,
    };
    expectClose(relativeLift(m)?.lift, 0.8944511214096106);
    const ci = relativeLiftInterval(m, twoSidedT(0.95, 1109.249882333603) as number);
    expectClose(ci?.[0], -0.045946150851540746);
    expectClose(ci?.[1], 1.8348483936707618);
  });

  it('should return null when the control is 0 or a group is empty', () => {
    expect(relativeLift({ ...conversion, meanC: 0, varianceC: 0 })).toBeNull();
    expect(relativeLiftInterval({ ...conversion, meanC: 0, varianceC: 0 }, 1.96)).toBeNull();
    expect(relativeLift({ ...conversion, nT: 0 })).toBeNull();
  });

  it('should return a null interval when the standard error is 0', () => {
    const flat = { meanT: 2, varianceT: 0, nT: 10, meanC: 1, varianceC: 0, nC: 10 };
    expect(relativeLift(flat)).toEqual({ lift: 1, se: 0 });
    expect(relativeLiftInterval(flat, 1.96)).toBeNull();
  });
});
