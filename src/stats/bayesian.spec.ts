import { chanceToWin, risk } from './bayesian';

// Reference values: scipy.stats.norm in test/reference/stats_reference.py; the closed-form risk is
// also checked there against scipy.integrate.quad of E[max(−Δ, 0)] (A.bayes.risk.*.quad).
function expectClose(actual: number | null | undefined, expected: number, tol = 1e-9): void {
  expect(typeof actual).toBe('number');
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected)));
}

// Case A: unpooled se of 386/1015 − 360/1000.
const d = 386 / 1015 - 0.36;
const se = Math.sqrt(((386 / 1015) * (1 - 386 / 1015)) / 1015 + (0.36 * 0.64) / 1000);

describe(chanceToWin.name, () => {
  it('should equal norm.cdf(±d/se) for case A', () => {
    expectClose(chanceToWin(d, se, 'increase'), 0.8273218681063983); // norm.cdf(d / se)
    expectClose(chanceToWin(d, se, 'decrease'), 0.17267813189360165); // norm.cdf(-d / se)
  });

  it('should equal scipy for other (d, se)', () => {
    expectClose(chanceToWin(0.5, 0.3, 'increase'), 0.9522096477271853); // norm.cdf(0.5 / 0.3)
    expectClose(chanceToWin(-0.2, 0.15, 'increase'), 0.09121121972586782); // norm.cdf(-0.2 / 0.15)
    expectClose(chanceToWin(0, 1, 'increase'), 0.5);
  });

  it('should return null when se is 0', () => {
    expect(chanceToWin(0.1, 0, 'increase')).toBeNull();
  });
});

describe(risk.name, () => {
  it('should equal se·φ(d/se) − d·Φ(−d/se) (and the numerical integral) for case A', () => {
    // se*norm.pdf(d/se) - d*norm.cdf(-d/se); quad -> 0.0019926964657159254
    expectClose(risk(d, se, 'increase'), 0.001992696465715926);
    // mirrored: se*norm.pdf(d/se) + d*norm.cdf(d/se); quad -> 0.022288262968178988
    expectClose(risk(d, se, 'decrease'), 0.022288262968178985);
  });

  it('should equal scipy for other (d, se) and both goals', () => {
    // bayes(d, se) = [ctw, risk increase, risk decrease]
    expectClose(risk(0.5, 0.3, 'increase'), 0.005947965501417251);
    expectClose(risk(0.5, 0.3, 'decrease'), 0.5059479655014173);
    expectClose(risk(-0.2, 0.15, 'increase'), 0.20635926725622547);
    expectClose(risk(-0.2, 0.15, 'decrease'), 0.006359267256225473);
    expectClose(risk(0, 1, 'increase'), 0.3989422804014327);
  });

  it('should return null when se is 0', () => {
    expect(risk(0.1, 0, 'increase')).toBeNull();
  });
});
