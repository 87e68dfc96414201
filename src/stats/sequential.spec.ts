import { confidenceSequenceHalfWidth, sequentialPValue } from './sequential';

// Reference values: the §5 formula evaluated in python (seq_half_width) and its inversion with
// scipy.optimize.brentq (seq_p), test/reference/stats_reference.py.
function expectClose(actual: number | null | undefined, expected: number, tol = 1e-9): void {
  expect(typeof actual).toBe('number');
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected)));
}

describe(confidenceSequenceHalfWidth.name, () => {
  it('should equal the §5 formula evaluated in python', () => {
    expectClose(confidenceSequenceHalfWidth(0.01, 100, 0.05), 0.0669438861706604); // seq_half_width(0.01, 100, 0.05)
    expectClose(confidenceSequenceHalfWidth(0.002, 1e6, 0.01), 0.008236921226741377); // seq_half_width(0.002, 1e6, 0.01)
    expectClose(confidenceSequenceHalfWidth(1.5, 20000, 0.1), 4.291786474455232); // seq_half_width(1.5, 20000, 0.1)
    // Case A: unpooled se of 386/1015 − 360/1000, N = 2015 -> A.seq.halfwidth
    const se = Math.sqrt(((386 / 1015) * (1 - 386 / 1015)) / 1015 + (0.36 * 0.64) / 1000);
    expectClose(confidenceSequenceHalfWidth(se, 2015, 1 - 0.95), 0.06715158891102876);
  });

  it('should be wider than the fixed-horizon interval', () => {
    const hw = confidenceSequenceHalfWidth(0.01, 5000, 0.05) as number;
    expect(hw).toBeGreaterThan(1.959963984540054 * 0.01);
  });

  it('should shrink monotonically as alpha grows (what the p-value inversion relies on)', () => {
    for (const n of [2, 10, 100, 5000, 1e5, 1e7]) {
      let previous = Infinity;
      for (let logAlpha = -700; logAlpha < 0; logAlpha += 0.37) {
        const hw = confidenceSequenceHalfWidth(1, n, Math.exp(logAlpha)) as number;
        expect(hw).toBeLessThanOrEqual(previous);
        previous = hw;
      }
    }
  });

  it('should return null for se 0, N 0 or alpha outside (0, 1)', () => {
    expect(confidenceSequenceHalfWidth(0, 100, 0.05)).toBeNull();
    expect(confidenceSequenceHalfWidth(1, 0, 0.05)).toBeNull();
    expect(confidenceSequenceHalfWidth(1, 100, 1)).toBeNull();
  });
});

describe(sequentialPValue.name, () => {
  it('should equal the brentq inversion of the sequence in python', () => {
    expectClose(sequentialPValue(0.03, 0.01, 20000), 0.07036318786788988); // seq_p(0.03, 0.01, 20000)
    expectClose(sequentialPValue(-0.05, 0.012, 5000), 0.0011668913274016813); // seq_p(-0.05, 0.012, 5000)
  });

  it('should be 1 when even alpha -> 1 does not exclude 0 (case A)', () => {
    const se = Math.sqrt(((386 / 1015) * (1 - 386 / 1015)) / 1015 + (0.36 * 0.64) / 1000);
    expect(sequentialPValue(386 / 1015 - 0.36, se, 2015)).toBe(1); // seq_p(...) -> 1.0
  });

  it('should be below alpha exactly when the sequence at alpha excludes 0', () => {
    for (const [d, se, n] of [
      [0.03, 0.01, 20000],
      [0.05, 0.012, 5000],
      [0.02, 0.01, 800],
    ]) {
      const p = sequentialPValue(d, se, n) as number;
      for (const alpha of [0.01, 0.05, 0.1, 0.2]) {
        const hw = confidenceSequenceHalfWidth(se, n, alpha) as number;
        expect(p < alpha).toBe(hw < Math.abs(d));
      }
    }
  });

  it('should return null when se is 0', () => {
    expect(sequentialPValue(0.1, 0, 100)).toBeNull();
  });
});
