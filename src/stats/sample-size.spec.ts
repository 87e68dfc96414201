import { conversionSampleSize, meanSampleSize } from './sample-size';

// Reference values: the §5 formulas evaluated in python with scipy.stats.norm.ppf and math.ceil
// (n_conv / n_mean in test/reference/stats_reference.py).
const base = { relative: false, confidenceLevel: 0.95, power: 0.8, variants: 2 };

describe(conversionSampleSize.name, () => {
  it('should equal the formula for an absolute effect', () => {
    // n_conv(0.1, 0.12, 0.95, 0.8) -> (3840.847482436276, 3841)
    const r = conversionSampleSize({ ...base, baselineRate: 0.1, minDetectableEffect: 0.02 });
    expect(r).toMatchObject({ perVariant: 3841, total: 7682 });
    expect(r?.targetRate).toBeCloseTo(0.12, 15);
  });

  it('should equal the formula for a relative effect', () => {
    // n_conv(0.1, 0.1 * 1.05, 0.95, 0.8) -> (57762.65145412927, 57763)
    const r = conversionSampleSize({ ...base, baselineRate: 0.1, minDetectableEffect: 0.05, relative: true });
    expect(r).toMatchObject({ perVariant: 57763, total: 115526 });
  });

  it('should equal the formula for a decrease, 99 % confidence, 90 % power and 3 variants', () => {
    // n_conv(0.3, 0.27, 0.99, 0.9) -> (6735.410317698883, 6736)
    const r = conversionSampleSize({
      baselineRate: 0.3,
      minDetectableEffect: -0.03,
      relative: false,
      confidenceLevel: 0.99,
      power: 0.9,
      variants: 3,
    });
    expect(r).toMatchObject({ perVariant: 6736, total: 20208 });
  });

  it('should return null when the target rate leaves (0, 1) or the effect is 0', () => {
    expect(conversionSampleSize({ ...base, baselineRate: 0.95, minDetectableEffect: 0.1 })).toBeNull();
    expect(conversionSampleSize({ ...base, baselineRate: 0.1, minDetectableEffect: 0 })).toBeNull();
    expect(conversionSampleSize({ ...base, baselineRate: 0, minDetectableEffect: 0.1 })).toBeNull();
    expect(conversionSampleSize({ ...base, baselineRate: 0.1, minDetectableEffect: 0.02, power: 1 })).toBeNull();
    expect(conversionSampleSize({ ...base, baselineRate: 0.1, minDetectableEffect: 0.02, variants: 1 })).toBeNull();
  });
});

describe(meanSampleSize.name, () => {
  it('should equal 2(z + z_β)²σ²/Δ² rounded up', () => {
    // n_mean(12, 1.5, 0.95, 0.8) -> (1004.6566059966832, 1005)
    expect(meanSampleSize({ ...base, stdDev: 12, minDetectableEffect: 1.5 })).toMatchObject({
      perVariant: 1005,
      total: 2010,
    });
    // n_mean(40, 2, 0.9, 0.9) -> (6851.077880534379, 6852)
    expect(meanSampleSize({ ...base, stdDev: 40, minDetectableEffect: 2, confidenceLevel: 0.9, power: 0.9 })).toMatchObject({
      perVariant: 6852,
      total: 13704,
    });
  });

  it('should turn a relative effect into Δ = baselineMean × effect', () => {
    // 10 % of a baseline mean of 15 is Δ = 1.5: the same as n_mean(12, 1.5, 0.95, 0.8)
    const r = meanSampleSize({ ...base, stdDev: 12, minDetectableEffect: 0.1, relative: true, baselineMean: 15 });
    expect(r?.perVariant).toBe(1005);
    expect(r?.absoluteEffect).toBeCloseTo(1.5, 12);
  });

  it('should return null for σ ≤ 0, Δ = 0 or a relative effect without a baseline', () => {
    expect(meanSampleSize({ ...base, stdDev: 0, minDetectableEffect: 1 })).toBeNull();
    expect(meanSampleSize({ ...base, stdDev: 1, minDetectableEffect: 0 })).toBeNull();
    expect(meanSampleSize({ ...base, stdDev: 1, minDetectableEffect: 0.1, relative: true })).toBeNull();
  });
});
