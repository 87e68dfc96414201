import { chiSquareGoodnessOfFit, chiSquareIndependence } from './chi-square';

// Reference values: test/reference/stats_reference.py (scipy 1.10.1).
function expectClose(actual: number | null | undefined, expected: number, tol = 1e-9): void {
  expect(typeof actual).toBe('number');
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected)));
}

const rows = (table: [number, number][]) => table.map(([yes, no]) => ({ successes: yes, total: yes + no }));

describe(chiSquareIndependence.name, () => {
  it('should equal scipy chi2_contingency(correction=False) on a 4x2 table', () => {
    // chi2_contingency([[120, 880], [150, 870], [95, 905], [130, 860]], correction=False)[:3]
    const r = chiSquareIndependence(
      rows([
        [120, 880],
        [150, 870],
        [95, 905],
        [130, 860],
      ]),
    );
    expectClose(r?.statistic, 13.410266248815823);
    expectClose(r?.pValue, 0.00382838361140278);
    expect(r?.dof).toBe(3);
  });

  it('should equal scipy on the 3-variant purchase table and the 2x2 of case A', () => {
    // chi2_contingency([[200, 1800], [236, 1764], [262, 1738]], correction=False)[:3]
    const b = chiSquareIndependence(
      rows([
        [200, 1800],
        [236, 1764],
        [262, 1738],
      ]),
    );
    expectClose(b?.statistic, 9.42932277272241);
    expectClose(b?.pValue, 0.008962900513454417);
    expect(b?.dof).toBe(2);
    // chi2_contingency([[386, 629], [360, 640]], correction=False)[:3]
    const a = chiSquareIndependence(
      rows([
        [386, 629],
        [360, 640],
      ]),
    );
    expectClose(a?.statistic, 0.8899036732293694);
    expectClose(a?.pValue, 0.34550341287636066);
    expect(a?.dof).toBe(1);
  });

  it('should return null when an expected cell is 0 or there is one row', () => {
    expect(
      chiSquareIndependence(
        rows([
          [0, 100],
          [0, 120],
        ]),
      ),
    ).toBeNull();
    expect(
      chiSquareIndependence([
        { successes: 0, total: 0 },
        { successes: 3, total: 10 },
      ]),
    ).toBeNull();
    expect(chiSquareIndependence(rows([[3, 7]]))).toBeNull();
  });
});

describe('chiSquareGoodnessOfFit (SRM)', () => {
  it('should equal scipy chisquare for a 50/50 split with 20 % extra users in one arm', () => {
    // chisquare([1000, 1200], f_exp=[1100, 1100]) -> (18.181818181818183, 2.007865612426481e-05)
    const r = chiSquareGoodnessOfFit([1000, 1200], [0.5, 0.5]);
    expectClose(r?.statistic, 18.181818181818183);
    expectClose(r?.pValue, 2.007865612426481e-5);
    expect(r?.expected).toEqual([1100, 1100]);
  });

  it('should equal scipy chisquare with unequal weights', () => {
    // chisquare([5120, 2440, 2490], f_exp=[10050 * 0.5, 10050 * 0.25, 10050 * 0.25])
    const r = chiSquareGoodnessOfFit([5120, 2440, 2490], [0.5, 0.25, 0.25]);
    expectClose(r?.statistic, 4.08955223880597);
    expectClose(r?.pValue, 0.1294091589342178);
    expect(r?.dof).toBe(2);
    // chisquare([1000, 1015], f_exp=[1007.5, 1007.5])
    const ok = chiSquareGoodnessOfFit([1000, 1015], [0.5, 0.5]);
    expectClose(ok?.statistic, 0.11166253101736973);
    expectClose(ok?.pValue, 0.7382592490401765);
  });

  it('should normalise weights that sum to 1 only within the API tolerance', () => {
    const exact = chiSquareGoodnessOfFit([1000, 1200], [0.5, 0.5]);
    const loose = chiSquareGoodnessOfFit([1000, 1200], [0.5000004, 0.5000004]);
    expectClose(loose?.statistic, exact?.statistic ?? NaN, 1e-12);
  });

  it('should return null with no users or a non-positive weight', () => {
    expect(chiSquareGoodnessOfFit([0, 0], [0.5, 0.5])).toBeNull();
    expect(chiSquareGoodnessOfFit([10, 12], [1, 0])).toBeNull();
    expect(chiSquareGoodnessOfFit([10], [1])).toBeNull();
  });
});
