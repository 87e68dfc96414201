/**
 * Issue 15: the statistics at the edges. Each block is one reproduction from the issue; the numbers
 * come from test/reference/stats_reference.py (scipy 1.10.1, statsmodels 0.13.5), key "I15.*",
 * with the call quoted next to them.
 */
import { analyzeExperiment, MIN_USERS_PER_VARIANT, type AnalysisInput, type AnalysisMetricInput } from './analyze-experiment';
import { chiSquareGoodnessOfFit, chiSquareIndependence } from './chi-square';
import { decisionInterval, MIN_EXPECTED_COUNT } from './compare';
import { chiSquareSurvival } from './distributions';
import { centredSums } from './exact-sums';
import { summarizeSample, welchTTest } from './means';
import { minExpectedCount, scoreDiffInterval } from './proportions';
import { conversionSampleSize, meanSampleSize } from './sample-size';

function expectClose(actual: number | null | undefined, expected: number, tol = 1e-9): void {
  expect(typeof actual).toBe('number');
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected)));
}

const conv = (conversions: number) => ({ conversions, sum: conversions, sumSquares: conversions });
const split = (users: Record<string, number>) =>
  Object.entries(users).map(([name, n], _, all) => ({ name, weight: 1 / all.length, users: n }));
const input = (overrides: Partial<AnalysisInput> & Pick<AnalysisInput, 'variants' | 'metrics'>): AnalysisInput => ({
  analysis: 'frequentist',
  confidenceLevel: 0.95,
  correction: 'holm',
  minimumSampleSize: 100,
  controlVariant: 'control',
  ...overrides,
});
const purchase = (counts: Record<string, number>, role: AnalysisMetricInput['role'] = 'primary'): AnalysisMetricInput => ({
  name: 'purchase',
  type: 'conversion',
  goal: 'increase',
  role,
  perVariant: Object.fromEntries(Object.entries(counts).map(([v, x]) => [v, conv(x)])),
});

/** The same float operations as `series` in stats_reference.py: a permutation of 1000 values with sd ≈ 1·scale. */
function series(base: number, shift: number, mult: number, scale: number, n = 1000): number[] {
  return Array.from({ length: n }, (_, i) => base + shift + ((((i * mult) % 1000) - 499.5) / 288.675) * scale);
}

describe('defect 2: variance by cancellation', () => {
  // I15.var.<label>.*: exact Σy, Σy² (fractions), np.std(ddof=1), stats.ttest_ind(yt, yc, equal_var=False)
  const cases = [
    {
      label: 'mean 1e9, sd 1',
      control: ['1000000000000', '1000000000000000000999.999919458789207737936521880328655242919921875'],
      treatment: ['1000000000200.0000476837158203125', '1000000000400000096407.431579157277809599690954200923442840576171875'],
      sd: [1.000500335022017, 1.000500335022017],
      welch: [4.4699005734380535, 8.263976995693369e-6],
    },
    {
      label: 'mean 1e7, sd 1',
      control: ['10000000000', '100000000000000999.999932494368191933375999980171400238759815692901611328125'],
      treatment: ['10000000199.9999992549419403076171875', '100000004000001025.098771002497312361534387292749670450575649738311767578125'],
      sd: [1.0005003415430682, 1.0005003415430682],
      welch: [4.469899461945425, 8.264019514188489e-6],
    },
    {
      label: 'mean 1, sd 1e-9',
      control: ['1000', '1000.000000000000000999999933569224157598910146137153593923643403050711964130670139638823457062244415283203125'],
      treatment: [
        '1000.00000020000001710318571213065297342836856842041015625',
        '1000.0000004000000352463713646206540159778174735413687310183508040613807599239493129061884246766567230224609375',
      ],
      sd: [1.0005003420807897e-9, 1.0005003420551768e-9],
      welch: [4.469894883507778, 8.264194657708002e-6],
    },
  ];

  // numpy's own two-pass float variance carries ~1e-7 relative error at mean/sd 1e9 near 1 (ulp 2.2e-16
  // against sd 1e-9), so t and p are compared at 1e-5 there; the exact sums here have no such error.
  it.each(cases)('should match numpy and scipy Welch at mean/sd up to 1e9 ($label)', ({ label, control, treatment, sd, welch }) => {
    const c = summarizeSample(1000, control[0], control[1])!;
    const t = summarizeSample(1000, treatment[0], treatment[1])!;
    expectClose(c.stdDev! / sd[0], 1, 1e-6);
    expectClose(t.stdDev! / sd[1], 1, 1e-6);
    const w = welchTTest(t, c, 0.95)!;
    const tol = label === 'mean 1, sd 1e-9' ? 1e-5 : 1e-9;
    expectClose(w.t, welch[0], tol);
    expectClose(w.pValue / welch[1], 1, label === 'mean 1, sd 1e-9' ? 1e-4 : 1e-9);
  });

  it('should give the same sums from doubles as from their exact decimal text', () => {
    // Every double is an exact binary fraction; its decimal expansion is finite.
    const y = series(1e9, 0, 611, 1);
    const sum = y.reduce((a, b) => a + b, 0);
    expect(centredSums(1000, sum, 0)?.sum).toBe(sum);
    const exact = centredSums(1000, cases[0].control[0], cases[0].control[1])!;
    // np.var(yc, ddof=1) · 999 = sd² · 999
    expectClose(exact.sumSquaredDeviations, 1.000500335022017 ** 2 * 999, 1e-12);
  });

  it('should not be what Σy² − (Σy)²/n on doubles gives (sd 0: every digit cancelled)', () => {
    // I15.var.1e9.control.naive_var: (fsum(y²) − fsum(y)²/n)/(n − 1) = 0.0 in python
    const y = series(1e9, 0, 611, 1);
    const s1 = y.reduce((a, b) => a + b, 0);
    const s2 = y.reduce((a, b) => a + b * b, 0);
    expect((s2 - (s1 * s1) / 1000) / 999).not.toBeCloseTo(1.000500335022017 ** 2, 1);
    expectClose(summarizeSample(1000, cases[0].control[0], cases[0].control[1])?.variance, 1.000500335022017 ** 2, 1e-12);
  });

  it('should return null, not throw, for sums beyond the double range, and parse numeric text', () => {
    expect(centredSums(2, '1e400', '1e800')).toEqual({ sum: Infinity, sumSquaredDeviations: expect.any(Number) });
    expect(summarizeSample(2, '1e400', '1e800')).toBeNull();
    expect(centredSums(3, '-1.5', '2.25')).toEqual({ sum: -1.5, sumSquaredDeviations: 1.5 });
    expect(centredSums(3, 'abc', '1')).toBeNull();
    expect(centredSums(0, '0', '0')).toBeNull();
  });
});

describe('defect 3: the interval shown with a verdict agrees with it', () => {
  it('should quote the score interval of the difference next to p = 0.043 (correction none)', () => {
    const r = analyzeExperiment(
      input({ correction: 'none', variants: split({ control: 2000, t1: 2000 }), metrics: [purchase({ control: 200, t1: 240 })] }),
    );
    const c = r.metrics[0].comparisons[0];
    // I15.verdict.ztest: proportions_ztest([240, 200], [2000, 2000]) -> p = 0.043244928043021755
    expectClose(c.pValue, 0.043244928043021755);
    // I15.verdict.score(240/2000,200/2000,a=0.05): mee_interval(240, 2000, 200, 2000, 0.05) (the
    // uncorrected score interval; its statistic at 0 is the pooled z, I15.verdict.mee_at_0)
    expectClose(c.decisionCi?.[0], 0.000609089944465, 1e-9);
    expectClose(c.decisionCi?.[1], 0.039421223138543585, 1e-9);
    expect(c.decisionCiLevel).toBe(0.95);
    // Before: "+20.0 % relative lift (95 % CI −1.3 % to +41.3 %), p = 0.043" (I15.verdict.relci.hand)
    expect(r.recommendation).toBe(
      't1 beats control on purchase: +2.00 percentage points (+20.0 % relative lift; 95 % CI: +0.06 to +3.94), p = 0.043.',
    );
  });

  it('should quote the interval at the Holm-adjusted level when Holm makes p = 0.012 not the decisive level', () => {
    const r = analyzeExperiment(
      input({ variants: split({ control: 2000, t1: 2000, t2: 2000 }), metrics: [purchase({ control: 200, t1: 250, t2: 205 })] }),
    );
    const c = r.metrics[0].comparisons[0];
    // I15.verdict.holm: p = [0.012350947711191423, 0.7932648083723044], adjusted [0.0247…, 0.7932…]
    expectClose(c.adjustedPValue, 0.024701895422382845);
    // αᵢ = α·p/p_adj = 0.025 → level 0.975 (I15.verdict.holm.level); I15.verdict.holm.score: mee_interval(250, 2000, 200, 2000, 0.025)
    expectClose(c.decisionCiLevel, 0.975, 1e-12);
    expectClose(c.decisionCi?.[0], 0.0026138657022128924, 1e-9);
    expectClose(c.decisionCi?.[1], 0.04743261391663427, 1e-9);
    expect(r.recommendation).toContain('97.5 % CI, Holm-adjusted level: +0.26 to +4.74');
  });

  it('should match the reference score intervals on case A, case B and D.clear', () => {
    // I15.verdict.score(386/1015,360/1000,a=0.05), (262/2000,200/2000,a=0.0125), (150/1000,100/1000,a=0.05)
    const a = scoreDiffInterval(386, 1015, 360, 1000, 0.95);
    expectClose(a?.[0], -0.021865124538407842, 1e-9);
    expectClose(a?.[1], 0.062339102184018266, 1e-9);
    const b = scoreDiffInterval(262, 2000, 200, 2000, 1 - 0.0125);
    expectClose(b?.[0], 0.005783457586336359, 1e-9);
    expectClose(b?.[1], 0.056282591473599146, 1e-9);
    const d = scoreDiffInterval(150, 1000, 100, 1000, 0.95);
    expectClose(d?.[0], 0.02115337931516792, 1e-9);
    expectClose(d?.[1], 0.07894725445919816, 1e-9);
    expect(scoreDiffInterval(0, 100, 0, 100, 0.95)).toBeNull();
  });

  // The reference data sets of stats_reference.py (A, B, B2, C, D and the I15 cases), every mode and correction.
  const mean = (conversions: number, sum: number | string, sumSquares: number | string) => ({ conversions, sum, sumSquares });
  const datasets: { name: string; users: Record<string, number>; metrics: AnalysisMetricInput[] }[] = [
    { name: 'A', users: { control: 1000, green: 1015 }, metrics: [purchase({ control: 360, green: 386 })] },
    {
      name: 'B',
      users: { control: 2000, blue: 2000, green: 2000 },
      metrics: [
        purchase({ control: 200, blue: 236, green: 262 }),
        { ...purchase({ control: 500, blue: 520, green: 455 }, 'secondary'), name: 'signup' },
        { ...purchase({ control: 40, blue: 41, green: 44 }, 'guardrail'), name: 'error', goal: 'decrease' },
      ],
    },
    {
      name: 'B2',
      users: { control: 2000, blue: 2000, green: 2000 },
      metrics: [
        purchase({ control: 200, blue: 236, green: 262 }),
        {
          name: 'revenue',
          type: 'mean',
          goal: 'increase',
          role: 'secondary',
          perVariant: { control: mean(900, 9000, 260000), blue: mean(950, 9900, 300000), green: mean(820, 8200, 240000) },
        },
      ],
    },
    {
      name: 'C',
      users: { control: 800, treatment: 820 },
      metrics: [
        {
          name: 'revenue',
          type: 'mean',
          goal: 'increase',
          role: 'primary',
          perVariant: { control: mean(96, 5339.11, 759794.5255), treatment: mean(147, 10367.55, 4271665.7411) },
        },
      ],
    },
    {
      name: 'D',
      users: { control: 1000, green: 1000 },
      metrics: [
        purchase({ control: 100, green: 150 }),
        { ...purchase({ control: 20, green: 45 }, 'guardrail'), name: 'error', goal: 'decrease' },
      ],
    },
    { name: 'I15.verdict', users: { control: 2000, t1: 2000 }, metrics: [purchase({ control: 200, t1: 240 })] },
    { name: 'I15.holm', users: { control: 2000, t1: 2000, t2: 2000 }, metrics: [purchase({ control: 200, t1: 250, t2: 205 })] },
    { name: 'I15.worse', users: { control: 1000, t1: 1000 }, metrics: [purchase({ control: 150, t1: 100 })] },
  ];
  const settings = (['frequentist', 'sequential', 'bayesian'] as const).flatMap((analysis) =>
    (['holm', 'bh', 'none'] as const).flatMap((correction) =>
      [0.9, 0.95, 0.99].map((confidenceLevel) => ({ analysis, correction, confidenceLevel })),
    ),
  );

  it.each(datasets)('should show an interval that excludes 0 exactly when significant ($name, 27 settings)', ({ users, metrics }) => {
    let checked = 0;
    for (const setting of settings) {
      const r = analyzeExperiment(input({ ...setting, variants: split(users), metrics }));
      for (const m of r.metrics) {
        for (const c of m.comparisons) {
          if (c.decisionCi === null) {
            expect(c.significant).toBe(false);
            continue;
          }
          const excludesZero = c.decisionCi[0] > 0 || c.decisionCi[1] < 0;
          expect({ metric: m.name, variant: c.variant, ...setting, excludesZero }).toEqual({
            metric: m.name,
            variant: c.variant,
            ...setting,
            excludesZero: c.significant,
          });
          checked++;
        }
      }
      // The sentence quotes that same interval (formatted) when it names a comparison.
      const primary = r.metrics.find((m) => m.role === 'primary')!;
      const quoted = primary.comparisons.find((c) => c.decisionCi !== null && r.recommendation.includes(` ${c.variant} `));
      if (quoted && r.decision !== 'insufficient_data' && r.decision !== 'srm') {
        expect(r.recommendation).toContain(`${Number((quoted.decisionCiLevel! * 100).toFixed(3))} %`);
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('should give the posterior interval at level 2·CL − 1 in bayesian mode', () => {
    const ci = decisionInterval({ kind: 'posterior', diff: 0.02, se: 0.01 }, 0.9);
    // norm.ppf(0.95) = 1.6448536269514722
    expectClose(ci?.[0], 0.02 - 1.6448536269514722 * 0.01, 1e-12);
  });
});

describe('defect 4: tiny samples', () => {
  it('should not call 0/3 vs 3/3 a winner (z p = 0.014, Fisher p = 0.10): n below the floor of 30', () => {
    const r = analyzeExperiment(
      input({ minimumSampleSize: 3, variants: split({ control: 3, t1: 3 }), metrics: [purchase({ control: 0, t1: 3 })] }),
    );
    // I15.tiny.ztest(3/3,0/3): proportions_ztest([3, 0], [3, 3]) -> p = 0.014305878435429648
    // I15.tiny.fisher(3/3,0/3): fisher_exact([[3, 0], [0, 3]]) -> p = 0.10000000000000002
    expect(r.decision).toBe('insufficient_data');
    expect(r.winner).toBeNull();
    expect(r.sampleSize).toEqual({ minimumPerVariant: MIN_USERS_PER_VARIANT, requestedPerVariant: 3, smallestVariant: 3, reached: false });
    // expected_freq([[3, 0], [0, 3]]).min() = 1.5: not tested at all
    const c = r.metrics[0].comparisons[0];
    expect(c).toMatchObject({ minExpectedCount: 1.5, pValue: null, significant: false, decisionCi: null });
    expect(r.recommendation).toBe('Not enough users yet: 3 of 30 per variant.');
  });

  it('should refuse to decide below an expected count of 5 (6/30 vs 0/30: z p = 0.0098, expected 3)', () => {
    const r = analyzeExperiment(
      input({ minimumSampleSize: 30, variants: split({ control: 30, t1: 30 }), metrics: [purchase({ control: 0, t1: 6 })] }),
    );
    // I15.tiny.ztest(6/30,0/30) -> p = 0.009823274507519249; fisher_exact([[6, 24], [0, 30]]) -> 0.0237
    // I15.tiny.expected(6/30,0/30): expected_freq([[6, 24], [0, 30]]).min() = 3.0
    expect(minExpectedCount(6, 30, 0, 30)).toBe(3);
    expect(r.metrics[0].comparisons[0]).toMatchObject({ minExpectedCount: 3, pValue: null, significant: false });
    expect(r).toMatchObject({ decision: 'insufficient_data', winner: null, isSignificant: false });
    expect(r.recommendation).toBe(
      'Too few events to test purchase yet: t1 vs control has an expected count of 3 (below 5) in its 2×2 table, where the normal approximation is not reliable.',
    );
  });

  it('should test again from an expected count of 5 (10/40 vs 0/40)', () => {
    // I15.tiny.expected(10/40,0/40) = 5.0
    const r = analyzeExperiment(
      input({ variants: split({ control: 40, t1: 40 }), metrics: [purchase({ control: 0, t1: 10 })], minimumSampleSize: 30 }),
    );
    expect(r.metrics[0].comparisons[0].minExpectedCount).toBe(MIN_EXPECTED_COUNT);
    expect(r.metrics[0].comparisons[0].pValue).not.toBeNull();
  });
});

describe('defect 5: negative means', () => {
  it('should speak in absolute terms when the control mean is ≤ 0 (control −5, treatment −4)', () => {
    // n = 500 each, sd 2 (Σy, Σy² from mean and sd): ttest_ind_from_stats(-4, 2, 500, -5, 2, 500, equal_var=False)
    const stats = (m: number) => ({ conversions: 500, sum: m * 500, sumSquares: 499 * 4 + 500 * m * m });
    const r = analyzeExperiment(
      input({
        variants: split({ control: 500, t1: 500 }),
        metrics: [{ name: 'score', type: 'mean', goal: 'increase', role: 'primary', perVariant: { control: stats(-5), t1: stats(-4) } }],
      }),
    );
    const c = r.metrics[0].comparisons[0];
    expectClose(c.pValue, 7.026151807527151e-15, 1e-6); // I15.negative.welch
    expect(c.relativeLift).toBeNull();
    expect(c.relativeCi).toBeNull();
    expect(r).toMatchObject({ decision: 'winner', winner: 't1' });
    // Before: "t1 beats control: −20.0 % relative change".
    expect(r.recommendation).toMatch(
      /^t1 beats control on score: \+1 \(no relative change as the control mean is not above 0; 95 % CI: \+0\.75\d* to \+1\.2\d*\)/,
    );
    expect(r.recommendation).not.toContain('%  relative');
  });
});

describe('defect 7: bayesian mode', () => {
  it('should call "every treatment credibly worse" significant, as frequentist mode does', () => {
    const data = { variants: split({ control: 1000, t1: 1000 }), metrics: [purchase({ control: 150, t1: 100 })] };
    const freq = analyzeExperiment(input(data));
    const bayes = analyzeExperiment(input({ ...data, analysis: 'bayesian' }));
    // I15.bayes.worse.ctw: norm.cdf(d / se) = 0.00034905857315890246; ztest p = 0.00072
    expectClose(bayes.metrics[0].comparisons[0].chanceToWin, 0.00034905857315890246, 1e-6);
    expect(freq).toMatchObject({ decision: 'winner', winner: 'control', isSignificant: true });
    expect(bayes).toMatchObject({ decision: 'winner', winner: 'control', isSignificant: true });
  });

  it('should give Beta(1 + x, 1 + n − x) intervals for rates (1/10: not [−0.086, 0.286])', () => {
    const r = analyzeExperiment(
      input({
        analysis: 'bayesian',
        minimumSampleSize: 1,
        variants: split({ control: 10, t1: 10 }),
        metrics: [purchase({ control: 1, t1: 2 })],
      }),
    );
    // I15.beta.interval(1/10): stats.beta.interval(0.95, 2, 10); I15.beta.normal(1/10) was the old one
    const ci = r.metrics[0].variants[0].ci;
    expectClose(ci?.[0], 0.022831198299959665, 1e-9);
    expectClose(ci?.[1], 0.4127799169883827, 1e-9);
  });
});

describe('defect 8: tails', () => {
  it('should compute chi-square p-values with the survival function (sf(100, 1) = 1.5e-23, 1 − cdf = 0)', () => {
    // I15.tail.chi2.sf(100,1) = 1.5239706048320995e-23; 1 - chi2.cdf(100, 1) = 0.0
    expectClose(chiSquareSurvival(100, 1), 1.5239706048320995e-23, 1e-9);
    // I15.tail.chisquare([6000,4000]) -> (400.0, 5.507248237212379e-89)
    const gof = chiSquareGoodnessOfFit([6000, 4000], [0.5, 0.5]);
    expectClose(gof?.pValue, 5.507248237212379e-89, 1e-9);
    // I15.tail.chi2_contingency([[600, 400], [300, 700]], correction=False) -> p = 1.9428901015464146e-41
    const chi = chiSquareIndependence([
      { successes: 600, total: 1000 },
      { successes: 300, total: 1000 },
    ]);
    expectClose(chi?.pValue, 1.9428901015464146e-41, 1e-9);
    expect(chiSquareSurvival(0, 3)).toBe(1);
  });
});

describe('sample size with more than two variants', () => {
  it('should power each comparison at the Bonferroni level α/(k − 1), which Holm never rejects less than', () => {
    const base = { relative: false, confidenceLevel: 0.95, power: 0.8 };
    // I15.ss.conv(0.1,+0.02abs,3 variants): n_conv(0.1, 0.12, 1 − 0.05/2, 0.8) -> (4651.42, 4652)
    const c = conversionSampleSize({ ...base, baselineRate: 0.1, minDetectableEffect: 0.02, variants: 3, comparisons: 2 });
    expect(c).toMatchObject({ perVariant: 4652, total: 13956 });
    expect(c?.alpha).toBeCloseTo(0.025, 15);
    // I15.ss.mean(sd=12,delta=1.5,4 variants): n_mean(12, 1.5, 1 − 0.05/3, 0.8) -> (1340.05, 1341)
    const m = meanSampleSize({ ...base, stdDev: 12, minDetectableEffect: 1.5, variants: 4, comparisons: 3 });
    expect(m).toMatchObject({ perVariant: 1341, total: 5364 });
    // one comparison: unchanged (ss.conv(0.1,+0.02abs,0.95,0.8) = 3841)
    expect(conversionSampleSize({ ...base, baselineRate: 0.1, minDetectableEffect: 0.02, variants: 2 })?.perVariant).toBe(3841);
    expect(conversionSampleSize({ ...base, baselineRate: 0.1, minDetectableEffect: 0.02, variants: 3, comparisons: 0 })).toBeNull();
  });
});
