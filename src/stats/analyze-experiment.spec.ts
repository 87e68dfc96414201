import {
  analyzeExperiment,
  type AnalysisInput,
  type AnalysisMetricInput,
  type AnalysisResult,
  type ComparisonResult,
  type MetricResult,
} from './analyze-experiment';
import { summarizeSample, welchTTest } from './means';
import { wilsonInterval } from './proportions';
import { analyzeTimeseriesPoint } from './timeseries';

// Reference values: test/reference/stats_reference.py (scipy 1.10.1, statsmodels 0.13.5); the key
// and the exact call are quoted next to each number.
function expectClose(actual: number | null | undefined, expected: number, tol = 1e-9): void {
  expect(typeof actual).toBe('number');
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected)));
}

/** Conversion sufficient statistics: y is 0/1 per user, so Σy = Σy² = conversions. */
const conv = (conversions: number) => ({ conversions, sum: conversions, sumSquares: conversions });

function conversionMetric(
  name: string,
  role: AnalysisMetricInput['role'],
  counts: Record<string, number>,
  goal: AnalysisMetricInput['goal'] = 'increase',
): AnalysisMetricInput {
  const perVariant = Object.fromEntries(Object.entries(counts).map(([v, x]) => [v, conv(x)]));
  return { name, type: 'conversion', goal, role, perVariant };
}

function input(overrides: Partial<AnalysisInput> & Pick<AnalysisInput, 'variants' | 'metrics'>): AnalysisInput {
  return {
    analysis: 'frequentist',
    confidenceLevel: 0.95,
    correction: 'holm',
    minimumSampleSize: 100,
    controlVariant: 'control',
    ...overrides,
  };
}

const split = (users: Record<string, number>) => {
  const names = Object.keys(users);
  return names.map((name) => ({ name, weight: 1 / names.length, users: users[name] }));
};

function metric(r: AnalysisResult, name: string): MetricResult {
  const m = r.metrics.find((x) => x.name === name);
  if (!m) throw new Error(`metric ${name} missing`);
  return m;
}

function comparison(r: AnalysisResult, metricName: string, variant: string): ComparisonResult {
  const c = metric(r, metricName).comparisons.find((x) => x.variant === variant);
  if (!c) throw new Error(`comparison ${metricName}/${variant} missing`);
  return c;
}

/** Every number is finite and the result survives a JSON round trip unchanged (no NaN → null). */
function expectJsonSafe(r: AnalysisResult): void {
  const bad: string[] = [];
  const walk = (x: unknown, path: string): void => {
    if (typeof x === 'number' && !Number.isFinite(x)) bad.push(path);
    else if (Array.isArray(x)) x.forEach((v, i) => walk(v, `${path}[${i}]`));
    else if (x !== null && typeof x === 'object') Object.entries(x).forEach(([k, v]) => walk(v, `${path}.${k}`));
    else if (x === undefined) bad.push(`${path} (undefined)`);
  };
  walk(r, '$');
  expect(bad).toEqual([]);
  const json = JSON.stringify(r);
  expect(json).not.toMatch(/NaN|Infinity/);
  expect(JSON.parse(json)).toStrictEqual(r);
}

// Case A: 2 variants, 1,000 vs 1,015 users, 360 vs 386 converted.
const caseA = (overrides: Partial<AnalysisInput> = {}) =>
  analyzeExperiment(
    input({
      variants: split({ control: 1000, green: 1015 }),
      metrics: [conversionMetric('purchase', 'primary', { control: 360, green: 386 })],
      ...overrides,
    }),
  );

describe(analyzeExperiment.name, () => {
  describe('case A, 2 variants (frequentist)', () => {
    const r = caseA();
    const m = metric(r, 'purchase');
    const c = comparison(r, 'purchase', 'green');

    it('should report the pooled z-test p-value of statsmodels proportions_ztest', () => {
      // proportions_ztest([386, 360], [1015, 1000]) -> p = 0.3455034128763609
      expectClose(c.pValue, 0.3455034128763609);
      expectClose(c.adjustedPValue, 0.3455034128763609); // a family of one
      expect(c.significant).toBe(false);
      expect(m.test).toBe('two-proportion z-test (pooled)');
    });

    it('should report Wilson intervals per variant', () => {
      // proportion_confint(360, 1000, alpha=1-0.95, method="wilson")
      expectClose(m.variants[0].ci?.[0], 0.3308377297718964);
      expectClose(m.variants[0].ci?.[1], 0.39023376260405895);
      // proportion_confint(386, 1015, alpha=1-0.95, method="wilson")
      expectClose(m.variants[1].ci?.[0], 0.35093446427181135);
      expectClose(m.variants[1].ci?.[1], 0.4105593403862052);
      expect(m.variants[1]).toMatchObject({ name: 'green', users: 1015, conversions: 386 });
      expectClose(m.variants[1].rate, 386 / 1015, 1e-15);
    });

    it('should report the unpooled difference interval and the delta-method relative interval', () => {
      // confint_proportions_2indep(386, 1015, 360, 1000, method="wald", compare="diff")
      expectClose(c.absoluteDiff, 0.02029556650246306);
      expectClose(c.absoluteCi?.[0], -0.02185906386234096);
      expectClose(c.absoluteCi?.[1], 0.06245019686726708);
      // A.lift, A.relci.hand: lift ± norm.ppf(0.975)·√(s_t²/(μ_c² n_t) + s_c² μ_t²/(μ_c⁴ n_c))
      expectClose(c.relativeLift, 0.056376573617952945);
      expectClose(c.relativeCi?.[0], -0.06405284605970321);
      expectClose(c.relativeCi?.[1], 0.17680599329560912);
      expect(c.chanceToWin).toBeNull();
      expect(c.risk).toBeNull();
    });

    it('should report the overall chi-square and the SRM test of scipy', () => {
      // chi2_contingency([[386, 629], [360, 640]], correction=False)
      expect(m.overall?.test).toBe('chi-square');
      expectClose(m.overall?.statistic, 0.8899036732293694);
      expectClose(m.overall?.pValue, 0.34550341287636066);
      expect(m.overall?.dof).toBe(1);
      // chisquare([1000, 1015], f_exp=[1007.5, 1007.5])
      expectClose(r.srm.chiSquare, 0.11166253101736973);
      expectClose(r.srm.pValue, 0.7382592490401765);
      expect(r.srm).toMatchObject({
        observed: { control: 1000, green: 1015 },
        expected: { control: 1007.5, green: 1007.5 },
        mismatch: false,
      });
    });

    it('should declare no winner and say why, with the lift and its interval', () => {
      expect(r).toMatchObject({ decision: 'no_winner', winner: null, isSignificant: false });
      expect(r.sampleSize).toEqual({ minimumPerVariant: 100, requestedPerVariant: 100, smallestVariant: 1000, reached: true });
      expect(r.variants).toEqual([
        { name: 'control', users: 1000, isControl: true },
        { name: 'green', users: 1015, isControl: false },
      ]);
      expect(r.recommendation).toBe(
        // the score interval of the difference, I15.verdict.score(386/1015,360/1000,a=0.05) =
        // mee_interval(386, 1015, 360, 1000, 0.05) = [-0.0218651, 0.0623391]
        'No winner on purchase: green vs control +2.03 percentage points (+5.6 % relative lift; 95 % CI: -2.19 to +6.23), ' +
          'p = 0.35 after Holm correction. Not significant at 95 %, so no winner is declared.',
      );
      expectJsonSafe(r);
    });

    it('should echo the settings and follow the §5 field order', () => {
      expect(Object.keys(r)).toEqual([
        'analysis',
        'confidenceLevel',
        'correction',
        'variants',
        'srm',
        'metrics',
        'sampleSize',
        'decision',
        'winner',
        'isSignificant',
        'recommendation',
      ]);
      expect(Object.keys(c)).toEqual([
        'variant',
        'control',
        'absoluteDiff',
        'absoluteCi',
        'relativeLift',
        'relativeCi',
        'pValue',
        'adjustedPValue',
        'significant',
        'chanceToWin',
        'risk',
        'decisionCi',
        'decisionCiLevel',
        'minExpectedCount',
      ]);
      expect(r).toMatchObject({ analysis: 'frequentist', confidenceLevel: 0.95, correction: 'holm' });
    });
  });

  describe('multiple testing over 3 variants × 2 goal metrics', () => {
    const variants = split({ control: 2000, blue: 2000, green: 2000 });
    const purchase = conversionMetric('purchase', 'primary', { control: 200, blue: 236, green: 262 });
    const signup = conversionMetric('signup', 'secondary', { control: 500, blue: 520, green: 455 });
    const errors = conversionMetric('error', 'guardrail', { control: 40, blue: 41, green: 44 }, 'decrease');
    const family = (r: AnalysisResult) => [
      comparison(r, 'purchase', 'blue'),
      comparison(r, 'purchase', 'green'),
      comparison(r, 'signup', 'blue'),
      comparison(r, 'signup', 'green'),
    ];
    // B.p: proportions_ztest([x_v, x_control], [2000, 2000])[1] for purchase blue, green, signup blue, green
    const rawP = [0.06777452076736053, 0.0021617795761400774, 0.4681306368706363, 0.09512435748687004];

    it('should equal statsmodels multipletests(method="holm") over the 4 comparisons', () => {
      const r = analyzeExperiment(input({ variants, metrics: [purchase, signup, errors] }));
      // multipletests(B.p, alpha=0.05, method="holm")[1]
      const holm = [0.2033235623020816, 0.00864711830456031, 0.4681306368706363, 0.2033235623020816];
      family(r).forEach((c, i) => {
        expectClose(c.pValue, rawP[i]);
        expectClose(c.adjustedPValue, holm[i]);
        expect(c.significant).toBe(holm[i] < 0.05);
      });
    });

    it('should equal multipletests(method="fdr_bh") with correction bh', () => {
      const r = analyzeExperiment(input({ variants, metrics: [purchase, signup, errors], correction: 'bh' }));
      // multipletests(B.p, alpha=0.05, method="fdr_bh")[1]
      const bh = [0.12683247664916006, 0.00864711830456031, 0.4681306368706363, 0.12683247664916006];
      family(r).forEach((c, i) => expectClose(c.adjustedPValue, bh[i]));
    });

    it('should leave p-values unadjusted with correction none', () => {
      const r = analyzeExperiment(input({ variants, metrics: [purchase, signup], correction: 'none' }));
      family(r).forEach((c) => expect(c.adjustedPValue).toBe(c.pValue));
      expect(comparison(r, 'purchase', 'blue').pValue).toBeCloseTo(rawP[0], 12);
    });

    it('should keep guardrails out of the family and unadjusted', () => {
      const withGuardrail = analyzeExperiment(input({ variants, metrics: [purchase, signup, errors] }));
      const without = analyzeExperiment(input({ variants, metrics: [purchase, signup] }));
      expect(family(withGuardrail).map((c) => c.adjustedPValue)).toEqual(family(without).map((c) => c.adjustedPValue));
      for (const v of ['blue', 'green']) {
        const g = comparison(withGuardrail, 'error', v);
        expect(g.adjustedPValue).toBe(g.pValue);
      }
    });

    it('should include a mean secondary metric in the family (Welch p-values)', () => {
      // B2: revenue (n, Σy, Σy²) = control (2000, 9000, 260000), blue (2000, 9900, 300000), green (2000, 8200, 240000)
      const revenue: AnalysisMetricInput = {
        name: 'revenue',
        type: 'mean',
        goal: 'increase',
        role: 'secondary',
        perVariant: {
          control: { conversions: 900, sum: 9000, sumSquares: 260000 },
          blue: { conversions: 950, sum: 9900, sumSquares: 300000 },
          green: { conversions: 820, sum: 8200, sumSquares: 240000 },
        },
      };
      const r = analyzeExperiment(input({ variants, metrics: [purchase, revenue] }));
      const cs = [
        comparison(r, 'purchase', 'blue'),
        comparison(r, 'purchase', 'green'),
        comparison(r, 'revenue', 'blue'),
        comparison(r, 'revenue', 'green'),
      ];
      // B2.p: ttest_ind_from_stats(mean_t, sd_t, 2000, mean_c, sd_c, 2000, equal_var=False).pvalue for revenue
      const p = [0.06777452076736053, 0.0021617795761400774, 0.18967472265569338, 0.22043317200534196];
      // multipletests(B2.p, method="holm")[1]
      const holm = [0.2033235623020816, 0.00864711830456031, 0.37934944531138676, 0.37934944531138676];
      cs.forEach((c, i) => {
        expectClose(c.pValue, p[i]);
        expectClose(c.adjustedPValue, holm[i]);
      });
      // multipletests(B2.p, method="fdr_bh")[1]
      const bh = [0.13554904153472105, 0.00864711830456031, 0.22043317200534196, 0.22043317200534196];
      const rb = analyzeExperiment(input({ variants, metrics: [purchase, revenue], correction: 'bh' }));
      expectClose(comparison(rb, 'purchase', 'blue').adjustedPValue, bh[0]);
      expectClose(comparison(rb, 'purchase', 'green').adjustedPValue, bh[1]);
      expectClose(comparison(rb, 'revenue', 'blue').adjustedPValue, bh[2]);
      expectClose(comparison(rb, 'revenue', 'green').adjustedPValue, bh[3]);
    });

    it('should report the k×2 chi-square with k − 1 dof', () => {
      const r = analyzeExperiment(input({ variants, metrics: [purchase] }));
      // chi2_contingency([[200, 1800], [236, 1764], [262, 1738]], correction=False)
      expectClose(metric(r, 'purchase').overall?.statistic, 9.42932277272241);
      expectClose(metric(r, 'purchase').overall?.pValue, 0.008962900513454417);
      expect(metric(r, 'purchase').overall?.dof).toBe(2);
    });

    it('should declare the significant variant the winner, a worse secondary does not block', () => {
      const r = analyzeExperiment(input({ variants, metrics: [purchase, signup, errors] }));
      expect(r).toMatchObject({ decision: 'winner', winner: 'green', isSignificant: true });
      expect(r.recommendation).toMatch(
        // the Holm level for the smallest of 4 p-values is 1 − 0.05/4; I15.verdict.score(262/2000,200/2000,a=0.0125)
        // = mee_interval(262, 2000, 200, 2000, 0.0125) = [0.00578346, 0.05628259]
        /^green beats control on purchase: \+3\.10 percentage points \(\+31\.0 % relative lift; 98\.75 % CI, Holm-adjusted level: \+0\.58 to \+5\.63\), p = 0\.0086 after Holm correction\.$/,
      );
    });
  });

  describe('skewed mean metric (many zeros)', () => {
    // C.*.suff: (n, users with a value, math.fsum(y), math.fsum(y*y)) of the numpy-generated samples
    const revenue: AnalysisMetricInput = {
      name: 'revenue',
      type: 'mean',
      goal: 'increase',
      role: 'primary',
      perVariant: {
        control: { conversions: 96, sum: 5339.11, sumSquares: 759794.5255 },
        treatment: { conversions: 147, sum: 10367.55, sumSquares: 4271665.7411 },
      },
    };
    const r = analyzeExperiment(input({ variants: split({ control: 800, treatment: 820 }), metrics: [revenue], correction: 'none' }));
    const m = metric(r, 'revenue');
    const c = comparison(r, 'revenue', 'treatment');

    it('should equal scipy ttest_ind(equal_var=False) and its interval', () => {
      expect(m.test).toBe('Welch t-test');
      // stats.ttest_ind(yt, yc, equal_var=False).pvalue
      expectClose(c.pValue, 0.027333335486880054);
      // CompareMeans(DescrStatsW(yt), DescrStatsW(yc)).tconfint_diff(alpha=0.05, usevar="unequal")
      expectClose(c.absoluteCi?.[0], 0.6687470389903183);
      expectClose(c.absoluteCi?.[1], 11.270185278082849);
      expectClose(c.absoluteDiff, 12.643353658536585 - 6.673887500000001);
    });

    it('should report the delta-method relative interval with the Welch t quantile', () => {
      // C.lift, C.relci.hand
      expectClose(c.relativeLift, 0.8944511214096106);
      expectClose(c.relativeCi?.[0], -0.045946150851540746);
      expectClose(c.relativeCi?.[1], 1.8348483936707618);
    });

    it('should report mean, stdDev (n − 1) and the t interval per variant, and no overall test', () => {
      // np.mean(y), np.std(y, ddof=1), stats.t.interval(0.95, n - 1, loc=mean, scale=sem)
      expectClose(m.variants[0].mean, 6.673887500000001);
      expectClose(m.variants[0].stdDev, 30.105403196758434);
      expectClose(m.variants[0].ci?.[0], 4.584562899780418);
      expectClose(m.variants[0].ci?.[1], 8.763212100219583);
      expectClose(m.variants[1].ci?.[0], 7.769501438348442);
      expectClose(m.variants[1].ci?.[1], 17.517205878724727);
      expect(m.variants[1]).toMatchObject({ users: 820, conversions: 147 });
      expectClose(m.variants[1].rate, 147 / 820, 1e-15);
      expect(m.overall).toBeNull();
    });

    it('should declare the treatment the winner (p = 0.027, one comparison)', () => {
      expect(r).toMatchObject({ decision: 'winner', winner: 'treatment', isSignificant: true });
      // The Welch interval of the difference (C.welch.ci.sm), which agrees with p = 0.027 — the relative
      // interval quoted before, −4.6 % to +183.5 %, contained 0 next to "beats" (issue 15, defect 3).
      expect(r.recommendation).toBe(
        'treatment beats control on revenue: +5.97 (+89.4 % relative lift; 95 % CI: +0.669 to +11.3), p = 0.027.',
      );
      expectJsonSafe(r);
    });
  });

  describe('bayesian and sequential modes', () => {
    const d = 386 / 1015 - 0.36;
    const se = Math.sqrt(((386 / 1015) * (1 - 386 / 1015)) / 1015 + (0.36 * 0.64) / 1000);

    it('should give chanceToWin, risk and the normal credible interval in bayesian mode', () => {
      const r = caseA({ analysis: 'bayesian' });
      const c = comparison(r, 'purchase', 'green');
      expect(metric(r, 'purchase').test).toBe('bayesian normal approximation');
      expectClose(c.chanceToWin, 0.8273218681063983); // norm.cdf(d / se)
      expectClose(c.risk, 0.001992696465715926); // se*norm.pdf(d/se) - d*norm.cdf(-d/se)
      const z = 1.959963984540054; // norm.ppf(0.975)
      expectClose(c.absoluteCi?.[0], d - z * se);
      expectClose(c.absoluteCi?.[1], d + z * se);
      expect(c.pValue).toBeNull();
      expect(c.adjustedPValue).toBeNull();
      expect(c.significant).toBe(false); // 0.827 < 0.95
      // Beta(1 + x, 1 + n − x): stats.beta.interval(0.95, 1 + 360, 1 + 1000 − 360) (I15.beta.interval(360/1000))
      expectClose(metric(r, 'purchase').variants[0].ci?.[0], 0.33084005158392166);
      expectClose(metric(r, 'purchase').variants[0].ci?.[1], 0.3902471386492398);
      expect(r.decision).toBe('no_winner');
      expect(r.recommendation).toContain('chance to beat control 82.7 %');
      // the interval that goes with "P ≥ 95 %" is the 90 % one: its ends are the 5 % and 95 % quantiles
      expect(r.recommendation).toContain('90 % credible interval');
      expect(c.decisionCiLevel).toBeCloseTo(0.9, 12);
      expectClose(c.decisionCi?.[0], d - 1.6448536269514722 * se); // norm.ppf(0.95)
      expectJsonSafe(r);
    });

    it('should use the confidence sequence and the always-valid p-value in sequential mode', () => {
      const r = caseA({ analysis: 'sequential' });
      const c = comparison(r, 'purchase', 'green');
      expect(metric(r, 'purchase').test).toBe('asymptotic confidence sequence');
      // A.seq.halfwidth: seq_half_width(se, 2015, 1 - 0.95)
      expectClose(c.absoluteCi?.[0], d - 0.06715158891102876);
      expectClose(c.absoluteCi?.[1], d + 0.06715158891102876);
      expect(c.pValue).toBe(1); // A.seq.p: the sequence never excludes 0 at this size
      expect(c.significant).toBe(false);
      // The fixed-horizon Wilson interval stays the per-variant interval.
      expectClose(metric(r, 'purchase').variants[0].ci?.[0], 0.3308377297718964);
      expect(c.chanceToWin).toBeNull();
      expectJsonSafe(r);
    });

    it('should call a big difference significant in both modes and pick the winner', () => {
      const data = {
        variants: split({ control: 5000, green: 5000 }),
        metrics: [conversionMetric('purchase', 'primary', { control: 500, green: 650 })],
      };
      const seq = analyzeExperiment(input({ ...data, analysis: 'sequential' }));
      const sc = comparison(seq, 'purchase', 'green');
      expect(sc.significant).toBe(true);
      expect(sc.absoluteCi?.[0]).toBeGreaterThan(0);
      expect(sc.pValue).toBeLessThan(0.05);
      expect(seq).toMatchObject({ decision: 'winner', winner: 'green' });
      expect(seq.recommendation).toContain('always-valid p');
      const bayes = analyzeExperiment(input({ ...data, analysis: 'bayesian' }));
      expect(comparison(bayes, 'purchase', 'green').chanceToWin).toBeGreaterThan(0.95);
      expect(bayes).toMatchObject({ decision: 'winner', winner: 'green', isSignificant: true });
    });
  });

  describe('decisions', () => {
    const clear = {
      variants: split({ control: 1000, green: 1000 }),
      metrics: [conversionMetric('purchase', 'primary', { control: 100, green: 150 })],
    };

    it('should declare a clearly better variant the winner', () => {
      const r = analyzeExperiment(input(clear));
      expect(r).toMatchObject({ decision: 'winner', winner: 'green', isSignificant: true });
      // proportions_ztest([150, 100], [1000, 1000]) -> p = 0.0007232327164301953
      expectClose(comparison(r, 'purchase', 'green').pValue, 0.0007232327164301953);
      // I15.verdict.score(150/1000,100/1000,a=0.05)
      expect(r.recommendation).toBe(
        'green beats control on purchase: +5.00 percentage points (+50.0 % relative lift; 95 % CI: +2.12 to +7.89), p = 0.00072 after Holm correction.',
      );
    });

    it('should say insufficient_data for the same data below minimumSampleSize', () => {
      const r = analyzeExperiment(input({ ...clear, minimumSampleSize: 2000 }));
      expect(r).toMatchObject({ decision: 'insufficient_data', winner: null, isSignificant: true });
      expect(r.sampleSize).toEqual({ minimumPerVariant: 2000, requestedPerVariant: 2000, smallestVariant: 1000, reached: false });
      expect(r.recommendation).toBe('Not enough users yet: 1000 of 2000 per variant.');
    });

    it('should phrase the §5 example for 64 of 100 users', () => {
      const r = analyzeExperiment(
        input({
          variants: split({ control: 64, green: 70 }),
          metrics: [conversionMetric('purchase', 'primary', { control: 5, green: 9 })],
        }),
      );
      expect(r.recommendation).toBe('Not enough users yet: 64 of 100 per variant.');
    });

    it('should flag SRM when a 50/50 variant got 20 % more users, with no winner', () => {
      const r = analyzeExperiment(
        input({
          variants: split({ control: 1000, green: 1200 }),
          metrics: [conversionMetric('purchase', 'primary', { control: 100, green: 180 })],
        }),
      );
      // chisquare([1000, 1200], f_exp=[1100, 1100]) -> p = 2.007865612426481e-05
      expectClose(r.srm.pValue, 2.007865612426481e-5);
      expect(r.srm.mismatch).toBe(true);
      expect(r).toMatchObject({ decision: 'srm', winner: null });
      expect(r.recommendation).toBe('Sample ratio mismatch (p = 2e-5): assignment is broken, do not trust these results.');
    });

    it('should put insufficient_data before srm', () => {
      const r = analyzeExperiment(
        input({
          minimumSampleSize: 5000,
          variants: split({ control: 1000, green: 1200 }),
          metrics: [conversionMetric('purchase', 'primary', { control: 100, green: 180 })],
        }),
      );
      expect(r.srm.mismatch).toBe(true);
      expect(r.decision).toBe('insufficient_data');
    });

    it('should block a winner whose guardrail is significantly worse (guardrail_failure)', () => {
      const r = analyzeExperiment(
        input({
          variants: clear.variants,
          metrics: [...clear.metrics, conversionMetric('error', 'guardrail', { control: 20, green: 45 }, 'decrease')],
        }),
      );
      const g = comparison(r, 'error', 'green');
      expect(g.significant).toBe(true);
      expect(g.adjustedPValue).toBe(g.pValue);
      expect(r).toMatchObject({ decision: 'guardrail_failure', winner: null, isSignificant: true });
      // proportions_ztest([45, 20], [1000, 1000]) -> p = 0.001618677606637792, unadjusted
      expect(r.recommendation).toMatch(
        /^green beats control on purchase: .*\. No winner, because guardrail error is significantly worse: \+2\.50 percentage points \(\+125\.0 % relative change; 95 % CI: .*\), p = 0\.0016\.$/,
      );
    });

    it('should not block a winner whose guardrail is significantly better or unchanged', () => {
      const better = analyzeExperiment(
        input({
          variants: clear.variants,
          metrics: [...clear.metrics, conversionMetric('error', 'guardrail', { control: 45, green: 20 }, 'decrease')],
        }),
      );
      expect(better).toMatchObject({ decision: 'winner', winner: 'green' });
      const flat = analyzeExperiment(
        input({
          variants: clear.variants,
          metrics: [...clear.metrics, conversionMetric('error', 'guardrail', { control: 20, green: 22 }, 'decrease')],
        }),
      );
      expect(flat).toMatchObject({ decision: 'winner', winner: 'green' });
    });

    it('should pick an unblocked candidate over a blocked one with a better estimate', () => {
      const r = analyzeExperiment(
        input({
          variants: split({ control: 1000, blue: 1000, green: 1000 }),
          metrics: [
            conversionMetric('purchase', 'primary', { control: 100, blue: 170, green: 150 }),
            conversionMetric('error', 'guardrail', { control: 20, blue: 45, green: 21 }, 'decrease'),
          ],
        }),
      );
      expect(r).toMatchObject({ decision: 'winner', winner: 'green' });
    });

    it('should pick the best estimate among several significant candidates', () => {
      const r = analyzeExperiment(
        input({
          variants: split({ control: 1000, blue: 1000, green: 1000 }),
          metrics: [conversionMetric('purchase', 'primary', { control: 100, blue: 170, green: 150 })],
        }),
      );
      expect(r).toMatchObject({ decision: 'winner', winner: 'blue' });
    });

    it('should declare control the winner when every treatment is significantly worse', () => {
      const r = analyzeExperiment(
        input({
          variants: split({ control: 1000, blue: 1000, green: 1000 }),
          metrics: [conversionMetric('purchase', 'primary', { control: 150, blue: 100, green: 90 })],
        }),
      );
      expect(comparison(r, 'purchase', 'blue').significant).toBe(true);
      expect(comparison(r, 'purchase', 'green').significant).toBe(true);
      expect(r).toMatchObject({ decision: 'winner', winner: 'control', isSignificant: true });
      expect(r.recommendation).toMatch(
        // blue's Holm-adjusted p is its raw p (green's is smaller), so its level stays 95 %
        /^control wins on purchase: every treatment \(best: blue\) is significantly worse, -5\.00 percentage points \(-33\.3 % relative change; 95 % CI: -7\.88 to -2\.12\)/,
      );
    });

    it('should not declare control the winner when only some treatments are worse', () => {
      const r = analyzeExperiment(
        input({
          variants: split({ control: 1000, blue: 1000, green: 1000 }),
          metrics: [conversionMetric('purchase', 'primary', { control: 150, blue: 100, green: 148 })],
        }),
      );
      expect(r).toMatchObject({ decision: 'no_winner', winner: null, isSignificant: true });
    });

    it('should treat a lower value as better for a decrease goal', () => {
      const r = analyzeExperiment(
        input({
          variants: clear.variants,
          metrics: [conversionMetric('bounce', 'primary', { control: 150, green: 100 }, 'decrease')],
        }),
      );
      expect(r).toMatchObject({ decision: 'winner', winner: 'green' });
      expect(r.recommendation).toMatch(/^green beats control on bounce: -5\.00 percentage points \(-33\.3 % relative change; /);
    });

    it('should use bayesian chance to lose for guardrails in bayesian mode', () => {
      const r = analyzeExperiment(
        input({
          analysis: 'bayesian',
          variants: clear.variants,
          metrics: [...clear.metrics, conversionMetric('error', 'guardrail', { control: 20, green: 45 }, 'decrease')],
        }),
      );
      const g = comparison(r, 'error', 'green');
      expect(g.chanceToWin).toBeLessThan(0.05);
      // Credibly worse is significant, as in the other modes (issue 15, defect 7; §5 named only P(better)).
      expect(g.significant).toBe(true);
      expect(r.decision).toBe('guardrail_failure');
    });

    it('should honour a non-default confidence level', () => {
      // p ≈ 0.027 (case C) is significant at 95 % but not at 99 %.
      const revenue: AnalysisMetricInput = {
        name: 'revenue',
        type: 'mean',
        goal: 'increase',
        role: 'primary',
        perVariant: {
          control: { conversions: 96, sum: 5339.11, sumSquares: 759794.5255 },
          treatment: { conversions: 147, sum: 10367.55, sumSquares: 4271665.7411 },
        },
      };
      const r = analyzeExperiment(input({ confidenceLevel: 0.99, variants: split({ control: 800, treatment: 820 }), metrics: [revenue] }));
      expect(r).toMatchObject({ decision: 'no_winner', isSignificant: false, confidenceLevel: 0.99 });
      expect(r.recommendation).toContain('99 % CI');
    });
  });

  describe('undefined quantities', () => {
    it('should give relativeLift null when the control rate is 0 and stay JSON-safe', () => {
      const r = analyzeExperiment(
        input({
          variants: split({ control: 1000, green: 1000 }),
          metrics: [
            conversionMetric('purchase', 'primary', { control: 0, green: 12 }),
            {
              name: 'revenue',
              type: 'mean',
              goal: 'increase',
              role: 'secondary',
              perVariant: { control: { conversions: 0, sum: 0, sumSquares: 0 }, green: { conversions: 5, sum: 50, sumSquares: 600 } },
            },
          ],
        }),
      );
      const c = comparison(r, 'purchase', 'green');
      expect(c.relativeLift).toBeNull();
      expect(c.relativeCi).toBeNull();
      expect(c.absoluteDiff).toBeCloseTo(0.012, 15);
      expect(c.minExpectedCount).toBe(6); // expected_freq([[12, 988], [0, 1000]]).min()
      expect(c.absoluteCi).not.toBeNull();
      expect(typeof c.pValue).toBe('number');
      expect(metric(r, 'purchase').variants[0]).toMatchObject({ rate: 0, conversions: 0, users: 1000 });
      expect(metric(r, 'purchase').variants[0].ci?.[1]).toBeGreaterThan(0); // Wilson is not degenerate at 0
      const rev = comparison(r, 'revenue', 'green');
      expect(rev.relativeLift).toBeNull();
      expect(typeof rev.pValue).toBe('number'); // Welch with one variance 0 is still defined
      expect(metric(r, 'revenue').variants[0].ci).toBeNull(); // all-zero sample: no zero-width interval
      expect(r.recommendation).toContain('percentage points');
      expect(r.recommendation).not.toMatch(/NaN|Infinity|null|undefined/);
      expectJsonSafe(r);
    });

    it('should give nulls, not NaN, for a variant with 0 users and for no conversions at all', () => {
      const r = analyzeExperiment(
        input({
          variants: split({ control: 1000, green: 0 }),
          metrics: [
            conversionMetric('purchase', 'primary', { control: 0 }),
            {
              name: 'revenue',
              type: 'mean',
              goal: 'increase',
              role: 'guardrail',
              perVariant: {},
            },
          ],
        }),
      );
      const c = comparison(r, 'purchase', 'green');
      expect(c).toMatchObject({
        absoluteDiff: null,
        absoluteCi: null,
        relativeLift: null,
        relativeCi: null,
        pValue: null,
        adjustedPValue: null,
        significant: false,
      });
      expect(metric(r, 'purchase').variants[1]).toMatchObject({ users: 0, rate: null, mean: null, ci: null });
      expect(metric(r, 'purchase').overall).toMatchObject({ statistic: null, pValue: null, dof: 1 });
      expect(r.decision).toBe('insufficient_data');
      expect(r.recommendation).toBe('Not enough users yet: 0 of 100 per variant.');
      expectJsonSafe(r);
    });

    it('should say the difference cannot be estimated when nobody converted anywhere', () => {
      const r = analyzeExperiment(
        input({
          variants: split({ control: 500, green: 500 }),
          metrics: [conversionMetric('purchase', 'primary', { control: 0, green: 0 })],
        }),
      );
      const c = comparison(r, 'purchase', 'green');
      expect(c).toMatchObject({ absoluteDiff: 0, absoluteCi: null, pValue: null, significant: false, minExpectedCount: 0 });
      // Nobody converted: expected count 0 in the 2×2 table, so not tested (below 5).
      expect(r.decision).toBe('insufficient_data');
      expect(r.recommendation).toContain('an expected count of 0');
      for (const analysis of ['bayesian', 'sequential'] as const) {
        expectJsonSafe(
          analyzeExperiment(
            input({
              analysis,
              variants: split({ control: 500, green: 500 }),
              metrics: [conversionMetric('purchase', 'primary', { control: 0, green: 0 })],
            }),
          ),
        );
      }
    });

    it('should reject an unknown control variant', () => {
      expect(() => analyzeExperiment(input({ controlVariant: 'nope', variants: split({ a: 1, b: 1 }), metrics: [] }))).toThrow(
        /control variant/,
      );
    });
  });
});

describe(analyzeTimeseriesPoint.name, () => {
  it('should reuse the results code for rates, Wilson intervals and the primary p-value', () => {
    const point = analyzeTimeseriesPoint({
      analysis: 'frequentist',
      confidenceLevel: 0.95,
      correction: 'holm',
      controlVariant: 'control',
      variants: [
        { name: 'control', users: 1000 },
        { name: 'green', users: 1015 },
      ],
      metrics: [conversionMetric('purchase', 'primary', { control: 360, green: 386 })],
      metric: 'purchase',
    });
    expectClose(point.pValue, 0.3455034128763609); // proportions_ztest([386, 360], [1015, 1000])
    expect(point.variants[0]).toEqual({ name: 'control', users: 1000, rate: 0.36, ci: wilsonInterval(360, 1000, 0.95) });
    expect(point.comparisons).toEqual([
      { variant: 'green', pValue: point.pValue, adjustedPValue: point.pValue, significant: false, chanceToWin: null },
    ]);
  });

  it('should report means for mean metrics and the smallest adjusted p over several treatments', () => {
    const stats = {
      control: { conversions: 900, sum: 9000, sumSquares: 260000 },
      blue: { conversions: 950, sum: 9900, sumSquares: 300000 },
      green: { conversions: 820, sum: 8200, sumSquares: 240000 },
    };
    const point = analyzeTimeseriesPoint({
      analysis: 'frequentist',
      confidenceLevel: 0.95,
      correction: 'holm',
      controlVariant: 'control',
      variants: ['control', 'blue', 'green'].map((name) => ({ name, users: 2000 })),
      metrics: [{ name: 'revenue', type: 'mean', goal: 'increase', role: 'primary', perVariant: stats }],
      metric: 'revenue',
    });
    expect(point.variants[1]).toMatchObject({ name: 'blue', users: 2000, mean: 4.95 });
    const c = summarizeSample(2000, 9000, 260000);
    const b = summarizeSample(2000, 9900, 300000);
    const welch = c && b ? welchTTest(b, c, 0.95) : null;
    expectClose(point.comparisons[0].pValue, 0.18967472265569338); // B2.p[2]
    expect(point.comparisons[0].pValue).toBeCloseTo(welch?.pValue ?? NaN, 15);
    // Holm over 2 treatments: min(2·0.1897, max(2·0.1897, 0.2204)) = 0.3793
    expectClose(point.pValue, 2 * 0.18967472265569338);
  });

  it('should give chanceToWin and a null pValue in bayesian mode', () => {
    const point = analyzeTimeseriesPoint({
      analysis: 'bayesian',
      confidenceLevel: 0.95,
      correction: 'holm',
      controlVariant: 'control',
      variants: [
        { name: 'control', users: 1000 },
        { name: 'green', users: 1015 },
      ],
      metrics: [conversionMetric('purchase', 'primary', { control: 360, green: 386 })],
      metric: 'purchase',
    });
    expect(point.pValue).toBeNull();
    expectClose(point.comparisons[0].chanceToWin, 0.8273218681063983); // norm.cdf(d / se)
    expectClose(point.variants[0].ci?.[1], 0.3902471386492398); // beta.interval(0.95, 361, 641)[1]
  });
});
