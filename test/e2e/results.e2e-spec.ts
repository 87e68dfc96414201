import { Client } from 'pg';
import { AnalysisJobService } from '../../src/analysis/analysis-job.service';
import { assignVariantIndex } from '../../src/bucketing/assign-variant';
import { asAdmin, asClient, startTestAppWithDatabase, TestApp } from '../support/test-app';

/** |actual − expected| ≤ tolerance, with a readable failure. */
function expectClose(actual: number | null | undefined, expected: number, tolerance = 1e-6): void {
  expect(actual).not.toBeNull();
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(tolerance);
}

describe('Results API', () => {
  let t: TestApp & { db: Client };
  let db: Client;

  beforeAll(async () => {
    t = await startTestAppWithDatabase();
    db = t.db;
  });
  afterAll(async () => {
    await t.close();
  });

  async function createRunning(key: string, body: Record<string, unknown>): Promise<void> {
    const res = await t.http
      .post('/api/v1/experiments')
      .set(asAdmin)
      .send({ name: key, key, hashSeed: key, minimumSampleSize: 100, ...body });
    expect(res.status).toBe(201);
    await t.http.post(`/api/v1/experiments/${key}/start`).set(asAdmin).expect(200);
  }

  /**
   * Picks user ids that the (deterministic) hash puts into each variant, then assigns them through
   * the API, so every user in the results went through the real assign route.
   */
  async function enrol(key: string, weights: number[], names: string[], wanted: Record<string, number>): Promise<Record<string, string[]>> {
    const users: Record<string, string[]> = Object.fromEntries(names.map((n) => [n, []]));
    for (let i = 0; names.some((n) => users[n].length < wanted[n]); i++) {
      const id = `${key}-user-${i}`;
      const variant = names[assignVariantIndex(key, id, weights, 1)];
      if (users[variant].length < wanted[variant]) users[variant].push(id);
    }
    const all = names.flatMap((n) => users[n].map((id) => [id, n] as const));
    for (let i = 0; i < all.length; i += 200) {
      const answers = await Promise.all(
        all.slice(i, i + 200).map(([id]) => t.http.post(`/api/v1/experiments/${key}/assign`).set(asClient).send({ userId: id })),
      );
      answers.forEach((res, j) => expect(res.body.variant.name).toBe(all[i + j][1]));
    }
    return users;
  }

  async function track(key: string, events: { userId: string; eventName: string; value?: number }[]): Promise<void> {
    for (let i = 0; i < events.length; i += 5000) {
      const res = await t.http
        .post('/api/v1/events/batch')
        .set(asClient)
        .send({ events: events.slice(i, i + 5000).map((e) => ({ experiment: key, ...e })) });
      expect(res.status).toBe(200);
      expect(res.body.rejected).toEqual([]);
    }
  }

  const convert = (users: string[], n: number, eventName = 'purchase') => users.slice(0, n).map((userId) => ({ userId, eventName }));

  it('should match statsmodels for 1,000 vs 1,015 users and 360 vs 386 conversions, with no winner', async () => {
    await createRunning('case-a', {
      variants: [
        { name: 'control', weight: 0.5 },
        { name: 'green', weight: 0.5 },
      ],
      metrics: [{ name: 'purchase', type: 'conversion' }],
    });
    const users = await enrol('case-a', [0.5, 0.5], ['control', 'green'], { control: 1000, green: 1015 });
    await track('case-a', [...convert(users.control, 360), ...convert(users.green, 386)]);
    // a second purchase by a converted user must not count twice: the unit is the user
    await track('case-a', convert(users.green, 10));

    const res = await t.http.get('/api/v1/experiments/case-a/results').set(asAdmin);
    expect(res.status).toBe(200);
    const metric = res.body.metrics[0];
    const c = metric.comparisons[0];
    expect(metric.variants.map((v: { users: number; conversions: number }) => [v.users, v.conversions])).toEqual([
      [1000, 360],
      [1015, 386],
    ]);
    // proportions_ztest([386, 360], [1015, 1000]) -> 0.3455034128763609
    expectClose(c.pValue, 0.3455034128763609);
    // proportion_confint(360, 1000, method="wilson") / (386, 1015)
    expectClose(metric.variants[0].ci[0], 0.3308377297718964);
    expectClose(metric.variants[0].ci[1], 0.39023376260405895);
    expectClose(metric.variants[1].ci[0], 0.35093446427181135);
    expectClose(metric.variants[1].ci[1], 0.4105593403862052);
    // confint_proportions_2indep(386, 1015, 360, 1000, method="wald", compare="diff")
    expectClose(c.absoluteCi[0], -0.02185906386234096);
    expectClose(c.absoluteCi[1], 0.06245019686726708);
    // delta method by hand in python: lift ± norm.ppf(0.975)·√(s_t²/(μ_c² n_t) + s_c² μ_t²/(μ_c⁴ n_c))
    expectClose(c.relativeCi[0], -0.06405284605970321);
    expectClose(c.relativeCi[1], 0.17680599329560912);
    expect(res.body).toMatchObject({ decision: 'no_winner', winner: null, isSignificant: false, key: 'case-a', status: 'running' });
    expect(res.body.srm.mismatch).toBe(false);
    expect(typeof res.body.recommendation).toBe('string');
    expect(JSON.stringify(res.body)).not.toMatch(/NaN|Infinity/);

    const alias = await t.http.get('/api/v1/experiments/case-a/stats?fresh=true').set(asAdmin);
    expect(alias.body.metrics[0].comparisons[0].pValue).toBe(c.pValue);
  });

  it('should declare a clear winner, and insufficient_data for the same data below minimumSampleSize', async () => {
    await createRunning('clear', {
      variants: [
        { name: 'control', weight: 0.5 },
        { name: 'green', weight: 0.5 },
      ],
      metrics: [{ name: 'purchase', type: 'conversion' }],
      minimumSampleSize: 400,
    });
    const users = await enrol('clear', [0.5, 0.5], ['control', 'green'], { control: 500, green: 500 });
    await track('clear', [...convert(users.control, 50), ...convert(users.green, 100)]);
    const won = await t.http.get('/api/v1/experiments/clear/results').set(asAdmin);
    expect(won.body).toMatchObject({ decision: 'winner', winner: 'green', isSignificant: true });
    expect(won.body.recommendation).toMatch(/^green beats control on purchase/);

    await t.http.patch('/api/v1/experiments/clear').set(asAdmin).send({ minimumSampleSize: 600 }).expect(200);
    const early = await t.http.get('/api/v1/experiments/clear/results').set(asAdmin);
    expect(early.body).toMatchObject({
      decision: 'insufficient_data',
      winner: null,
      sampleSize: { minimumPerVariant: 600, smallestVariant: 500, reached: false },
    });
    expect(early.body.recommendation).toContain('500 of 600');
  });

  it('should block the winner when a guardrail is significantly worse', async () => {
    await createRunning('guarded', {
      variants: [
        { name: 'control', weight: 0.5 },
        { name: 'green', weight: 0.5 },
      ],
      metrics: [
        { name: 'purchase', type: 'conversion', role: 'primary' },
        { name: 'error', type: 'conversion', goal: 'decrease', role: 'guardrail' },
      ],
    });
    const users = await enrol('guarded', [0.5, 0.5], ['control', 'green'], { control: 500, green: 500 });
    await track('guarded', [
      ...convert(users.control, 50),
      ...convert(users.green, 100),
      ...convert(users.control, 10, 'error'),
      ...convert(users.green, 40, 'error'),
    ]);
    const res = await t.http.get('/api/v1/experiments/guarded/results').set(asAdmin);
    expect(res.body).toMatchObject({ decision: 'guardrail_failure', winner: null, isSignificant: true });
    // Reading raises nothing; the scheduled analysis does (test/e2e/analysis.e2e-spec.ts).
    const kinds = async () => (await t.http.get('/api/v1/alerts').set(asAdmin)).body.items.map((a: { kind: string }) => a.kind);
    expect(await kinds()).not.toContain('guardrail_failure');
    await t.app.get(AnalysisJobService).tick();
    expect(await kinds()).toContain('guardrail_failure');
  });

  it('should adjust the 4 comparisons of 3 variants × 2 goal metrics like statsmodels Holm', async () => {
    await createRunning('holm', {
      variants: [
        { name: 'control', weight: 1 / 3 },
        { name: 'blue', weight: 1 / 3 },
        { name: 'green', weight: 1 / 3 },
      ],
      metrics: [
        { name: 'purchase', type: 'conversion', role: 'primary' },
        { name: 'signup', type: 'conversion', role: 'secondary' },
      ],
    });
    const third = 1 / 3;
    const users = await enrol('holm', [third, third, third], ['control', 'blue', 'green'], { control: 2000, blue: 2000, green: 2000 });
    await track('holm', [
      ...convert(users.control, 200),
      ...convert(users.blue, 236),
      ...convert(users.green, 262),
      ...convert(users.control, 500, 'signup'),
      ...convert(users.blue, 520, 'signup'),
      ...convert(users.green, 455, 'signup'),
    ]);
    const res = await t.http.get('/api/v1/experiments/holm/results').set(asAdmin);
    const adjusted = res.body.metrics.flatMap((m: { comparisons: { adjustedPValue: number }[] }) =>
      m.comparisons.map((c) => c.adjustedPValue),
    );
    // multipletests([0.06777452076736053, 0.0021617795761400774, 0.4681306368706363, 0.09512435748687004], method="holm")[1]
    [0.2033235623020816, 0.00864711830456031, 0.4681306368706363, 0.2033235623020816].forEach((p, i) => expectClose(adjusted[i], p));
    expect(res.body).toMatchObject({ decision: 'winner', winner: 'green' });
  }, 120_000);

  it('should match scipy Welch for a skewed mean metric with many zeros', async () => {
    await createRunning('revenue', {
      variants: [
        { name: 'control', weight: 0.5 },
        { name: 'treatment', weight: 0.5 },
      ],
      metrics: [{ name: 'revenue', type: 'mean' }],
    });
    const users = await enrol('revenue', [0.5, 0.5], ['control', 'treatment'], { control: 300, treatment: 300 });
    // Same formulas as the python reference: control i % 8 == 0 → 5 + (7i mod 23); treatment i % 6 == 0 → 9 + (11i mod 31).
    const events = [
      ...users.control.flatMap((userId, i) => (i % 8 === 0 ? [{ userId, eventName: 'revenue', value: 5 + ((i * 7) % 23) }] : [])),
      ...users.treatment.flatMap((userId, i) => (i % 6 === 0 ? [{ userId, eventName: 'revenue', value: 9 + ((i * 11) % 31) }] : [])),
    ];
    await track('revenue', events);
    const res = await t.http.get('/api/v1/experiments/revenue/results').set(asAdmin);
    const c = res.body.metrics[0].comparisons[0];
    expect(res.body.metrics[0].test).toBe('Welch t-test');
    // scipy.stats.ttest_ind(yt, yc, equal_var=False).pvalue
    expectClose(c.pValue, 0.0031219560321572764, 1e-9);
    expectClose(c.absoluteDiff, 1.8966666666666667, 1e-9);
    // CompareMeans(DescrStatsW(yt), DescrStatsW(yc)).tconfint_diff(alpha=0.05, usevar="unequal")
    expectClose(c.absoluteCi[0], 0.6419858094078044, 1e-9);
    expectClose(c.absoluteCi[1], 3.151347523925529, 1e-9);
  });

  it('should flag a sample ratio mismatch and refuse a winner', async () => {
    await createRunning('srm', {
      variants: [
        { name: 'control', weight: 0.5 },
        { name: 'green', weight: 0.5 },
      ],
      metrics: [{ name: 'purchase', type: 'conversion' }],
    });
    // Our assign route cannot produce a mismatch (that is the point of the hash), so the broken
    // upstream is simulated: 20 % more control users than expected, written straight to the table.
    const { id } = (await t.http.get('/api/v1/experiments/srm').set(asAdmin)).body;
    await db.query(
      `INSERT INTO assignments (experiment_id, user_id, variant)
       SELECT $1, 'srm-' || g, CASE WHEN g <= 1200 THEN 'control' ELSE 'green' END FROM generate_series(1, 2200) g`,
      [id],
    );
    await track('srm', [
      ...Array.from({ length: 100 }, (_, i) => ({ userId: `srm-${i + 1}`, eventName: 'purchase' })),
      ...Array.from({ length: 200 }, (_, i) => ({ userId: `srm-${i + 1201}`, eventName: 'purchase' })),
    ]);
    const res = await t.http.get('/api/v1/experiments/srm/results').set(asAdmin);
    // scipy.stats.chisquare([1200, 1000], f_exp=[1100, 1100]) -> pvalue 2.007865612426481e-05
    expect(res.body.srm.mismatch).toBe(true);
    expectClose(res.body.srm.pValue, 2.007865612426481e-5, 1e-12);
    expect(res.body).toMatchObject({ decision: 'srm', winner: null });
    expect(res.body.recommendation).toMatch(/^Sample ratio mismatch/);
    const srmAlerts = async () =>
      (await t.http.get('/api/v1/alerts?status=open').set(asAdmin)).body.items.filter((a: { kind: string }) => a.kind === 'srm');
    // GET /results only reads: no alert however often it is read
    await t.http.get('/api/v1/experiments/srm/results?fresh=true').set(asAdmin).expect(200);
    expect(await srmAlerts()).toEqual([]);
    await t.app.get(AnalysisJobService).tick();
    expect(await srmAlerts()).toEqual([expect.objectContaining({ kind: 'srm', subjectType: 'experiment', subjectId: id, status: 'open' })]);
  });

  it('should give cumulative daily points and validate its query', async () => {
    const res = await t.http.get('/api/v1/experiments/case-a/results/timeseries').set(asAdmin);
    expect(res.status).toBe(200);
    expect(res.body.metric).toBe('purchase');
    const last = res.body.points[res.body.points.length - 1];
    expect(last.variants.map((v: { users: number }) => v.users)).toEqual([1000, 1015]);
    expectClose(last.pValue, 0.3455034128763609);
    expect((await t.http.get('/api/v1/experiments/case-a/results/timeseries?metric=nope').set(asAdmin)).status).toBe(400);
    expect((await t.http.get('/api/v1/experiments/case-a/results/timeseries?interval=week').set(asAdmin)).status).toBe(400);
    expect((await t.http.get('/api/v1/experiments/case-a/results?analysis=magic').set(asAdmin)).status).toBe(400);
    expect((await t.http.get('/api/v1/experiments/nope/results').set(asAdmin)).status).toBe(404);
    expect((await t.http.get('/api/v1/experiments/case-a/results').set(asClient)).status).toBe(403);
  });

  it('should switch to the Bayesian and sequential views on request', async () => {
    const bayes = await t.http.get('/api/v1/experiments/case-a/results?analysis=bayesian').set(asAdmin);
    expect(bayes.body.analysis).toBe('bayesian');
    const c = bayes.body.metrics[0].comparisons[0];
    // P(N(diff, se²) > 0) with the unpooled se: norm.cdf(d / se) = 0.8273218681063983 (python)
    expectClose(c.chanceToWin, 0.8273218681063983, 1e-9);
    const seq = await t.http.get('/api/v1/experiments/case-a/results?analysis=sequential').set(asAdmin);
    expect(seq.body.analysis).toBe('sequential');
    expect(seq.body.metrics[0].comparisons[0].significant).toBe(false);
  });

  it('should compute sample sizes and reject impossible inputs', async () => {
    const res = await t.http
      .get('/api/v1/stats/sample-size?baselineRate=0.1&minDetectableEffect=0.02&relative=false&confidenceLevel=0.95&power=0.8&variants=2')
      .set(asAdmin);
    expect(res.status).toBe(200);
    // (1.959964·√(2·0.11·0.89) + 0.841621·√(0.1·0.9 + 0.12·0.88))² / 0.02² = 3840.85 → 3841 (python, scipy.stats.norm.ppf)
    expect(res.body).toMatchObject({ perVariant: 3841, total: 7682 });
    const mean = await t.http.get('/api/v1/stats/sample-size?baselineMean=10&stdDev=5&minDetectableEffect=1').set(asAdmin);
    // 2·(1.959964 + 0.841621)²·25/1 = 392.4 → 393
    expect(mean.body.perVariant).toBe(393);
    // More than two variants: each comparison at the Bonferroni level α/(k − 1) (issue 15):
    // n_conv(0.1, 0.12, 1 − 0.05/2, 0.8) = 4651.4 → 4652 (I15.ss.conv(0.1,+0.02abs,3 variants))
    const three = await t.http.get('/api/v1/stats/sample-size?baselineRate=0.1&minDetectableEffect=0.02&variants=3').set(asAdmin);
    expect(three.body).toMatchObject({ perVariant: 4652, total: 13956, inputs: { comparisons: 2, alphaAdjustment: 'bonferroni' } });
    expect(three.body.inputs.adjustedAlpha).toBeCloseTo(0.025, 15);
    const unadjusted = await t.http
      .get('/api/v1/stats/sample-size?baselineRate=0.1&minDetectableEffect=0.02&variants=3&correction=none')
      .set(asAdmin);
    expect(unadjusted.body).toMatchObject({ perVariant: 3841, inputs: { comparisons: 1, alphaAdjustment: 'none' } });
    expect((await t.http.get('/api/v1/stats/sample-size?baselineRate=0.1&minDetectableEffect=0').set(asAdmin)).status).toBe(400);
    expect((await t.http.get('/api/v1/stats/sample-size?baselineRate=abc&minDetectableEffect=0.1').set(asAdmin)).status).toBe(400);
    expect((await t.http.get('/api/v1/stats/sample-size?minDetectableEffect=0.1').set(asAdmin)).status).toBe(400);
  });
});

describe('Results API on any accepted data (issue 15 defects 1, 2, 6; issue 13 items 3, 4)', () => {
  let t: TestApp & { db: Client };
  let db: Client;

  beforeAll(async () => {
    t = await startTestAppWithDatabase();
    db = t.db;
  });
  afterAll(async () => {
    await t.close();
  });

  async function createRunning(key: string, body: Record<string, unknown>): Promise<string> {
    const res = await t.http
      .post('/api/v1/experiments')
      .set(asAdmin)
      .send({ name: key, key, hashSeed: key, minimumSampleSize: 30, ...body });
    expect(res.status).toBe(201);
    await t.http.post(`/api/v1/experiments/${key}/start`).set(asAdmin).expect(200);
    return res.body.id;
  }

  /**
   * Stored data as the ingest statements leave it (events, and event_user_totals built from them the
   * way the bench seeds it), written in SQL so that values and times the ingest may refuse today are
   * still "data that was accepted" once.
   */
  async function seed(
    id: string,
    users: { userId: string; variant: string; assignedAt: Date }[],
    events: { userId: string; eventName: string; value: number; at: Date }[],
  ): Promise<void> {
    await db.query(
      `INSERT INTO assignments (experiment_id, user_id, variant, assigned_at)
       SELECT $1, u, v, a FROM unnest($2::text[], $3::text[], $4::timestamptz[]) AS x(u, v, a)`,
      [id, users.map((u) => u.userId), users.map((u) => u.variant), users.map((u) => u.assignedAt.toISOString())],
    );
    const variantOf = new Map(users.map((u) => [u.userId, u.variant]));
    await db.query(
      `INSERT INTO events (experiment_id, user_id, variant, event_name, value, occurred_at)
       SELECT $1, u, v, n, val, at FROM unnest($2::text[], $3::text[], $4::text[], $5::float8[], $6::timestamptz[]) AS x(u, v, n, val, at)`,
      [
        id,
        events.map((e) => e.userId),
        events.map((e) => variantOf.get(e.userId)!),
        events.map((e) => e.eventName),
        events.map((e) => e.value),
        events.map((e) => e.at.toISOString()),
      ],
    );
    await db.query(`DELETE FROM event_user_totals WHERE experiment_id = $1`, [id]);
    await db.query(
      `INSERT INTO event_user_totals (experiment_id, event_name, user_id, variant, total, events, first_at)
       SELECT experiment_id, event_name, user_id, min(variant), sum(value), count(*), min(occurred_at)
         FROM events WHERE experiment_id = $1 GROUP BY experiment_id, event_name, user_id`,
      [id],
    );
  }

  const day = 86_400_000;

  it('should answer /results, /results/timeseries and /metrics whatever the values (1e155, 1.5e308, −1e300)', async () => {
    const id = await createRunning('huge-values', {
      variants: [
        { name: 'control', weight: 0.5 },
        { name: 'green', weight: 0.5 },
      ],
      metrics: [
        { name: 'revenue', type: 'mean', role: 'primary' },
        { name: 'purchase', type: 'conversion', role: 'secondary' },
      ],
    });
    const now = Date.now();
    const users = Array.from({ length: 80 }, (_, i) => ({
      userId: `h-${i}`,
      variant: i % 2 === 0 ? 'control' : 'green',
      assignedAt: new Date(now - (i % 3) * day),
    }));
    await seed(
      id,
      users,
      [
        { userId: 'h-0', eventName: 'revenue', value: 1e155, at: new Date(now) },
        { userId: 'h-2', eventName: 'revenue', value: 1.5e308, at: new Date(now - day) },
        { userId: 'h-4', eventName: 'revenue', value: 1.5e308, at: new Date(now) },
        { userId: 'h-1', eventName: 'revenue', value: -1e300, at: new Date(now) },
        { userId: 'h-3', eventName: 'revenue', value: 5e-324, at: new Date(now) },
      ].concat(users.slice(0, 40).map((u) => ({ userId: u.userId, eventName: 'purchase', value: 1, at: new Date(now) }))),
    );
    // Before: PostgreSQL raised "value out of range: overflow" on sum(total * total) → 400 for good.
    const results = await t.http.get('/api/v1/experiments/huge-values/results?fresh=true').set(asAdmin);
    expect(results.status).toBe(200);
    expect(JSON.stringify(results.body)).not.toMatch(/NaN|Infinity/);
    expect(results.body.metrics[0].variants[0].mean).toBeNull(); // Σy beyond the double range: undefined, not an error
    const series = await t.http.get('/api/v1/experiments/huge-values/results/timeseries?interval=day').set(asAdmin);
    expect(series.status).toBe(200);
    expect(series.body.points.length).toBeGreaterThanOrEqual(3);
    expect((await t.http.get('/api/v1/experiments/huge-values/results/timeseries?metric=purchase').set(asAdmin)).status).toBe(200);
    const metrics = await t.http.get('/api/v1/experiments/huge-values/metrics').set(asAdmin);
    expect(metrics.status).toBe(200);
  });

  it('should keep the variance of a mean metric at mean 1e9 and sd 1 (scipy: t = 4.47, p = 8.3e-6)', async () => {
    const id = await createRunning('big-mean', {
      variants: [
        { name: 'control', weight: 0.5 },
        { name: 'treatment', weight: 0.5 },
      ],
      metrics: [{ name: 'amount', type: 'mean', role: 'primary' }],
      correction: 'none',
    });
    // The same doubles as `series` in stats_reference.py (I15.var.1e9.*)
    const value = (shift: number, mult: number, i: number) => 1e9 + shift + (((i * mult) % 1000) - 499.5) / 288.675;
    const users = Array.from({ length: 2000 }, (_, i) => ({
      userId: `b-${i}`,
      variant: i < 1000 ? 'control' : 'treatment',
      assignedAt: new Date(),
    }));
    await seed(
      id,
      users,
      users.map((u, i) => ({
        userId: u.userId,
        eventName: 'amount',
        value: i < 1000 ? value(0, 611, i) : value(0.2, 389, i - 1000),
        at: new Date(),
      })),
    );
    const res = await t.http.get('/api/v1/experiments/big-mean/results').set(asAdmin);
    const m = res.body.metrics[0];
    // Before: control sd 0, treatment sd 16.2, p 0.70. np.std(yc, ddof=1) = 1.000500335022017;
    // stats.ttest_ind(yt, yc, equal_var=False).pvalue = 8.263976995693369e-06 (I15.var.1e9.*)
    expectClose(m.variants[0].stdDev, 1.000500335022017, 1e-6);
    expectClose(m.variants[1].stdDev, 1.000500335022017, 1e-6);
    expectClose(m.comparisons[0].pValue / 8.263976995693369e-6, 1, 1e-4);
    expect(res.body).toMatchObject({ decision: 'winner', winner: 'treatment' });
  });

  it('should give a time series whose last point is /results exactly, with the same family and users', async () => {
    const id = await createRunning('family-series', {
      variants: [
        { name: 'control', weight: 1 / 3 },
        { name: 't1', weight: 1 / 3 },
        { name: 't2', weight: 1 / 3 },
      ],
      metrics: [
        { name: 'purchase', type: 'conversion', role: 'primary' },
        { name: 'revenue', type: 'mean', role: 'secondary' },
        { name: 'refund', type: 'conversion', role: 'guardrail', goal: 'decrease' },
      ],
    });
    const now = Date.now();
    const variants = ['control', 't1', 't2'];
    const users = Array.from({ length: 900 }, (_, i) => ({
      userId: `f-${i}`,
      variant: variants[i % 3],
      assignedAt: new Date(now - (i % 5) * day),
    }));
    const events: { userId: string; eventName: string; value: number; at: Date }[] = [];
    users.forEach((u, i) => {
      const rate = [0.1, 0.16, 0.12][i % 3];
      if ((i * 7919) % 1000 < rate * 1000) {
        // a third are back-dated by 2 days before their assignment
        events.push({
          userId: u.userId,
          eventName: 'purchase',
          value: 1,
          at: new Date(u.assignedAt.getTime() - (i % 3 === 0 ? 2 * day : 0)),
        });
      }
      if (i % 4 === 0)
        events.push({
          userId: u.userId,
          eventName: 'revenue',
          value: 10 + (i % 17) * 1.1,
          at: new Date(u.assignedAt.getTime() + (i % 2) * day),
        });
      if (i % 4 === 0 && i % 8 === 0) events.push({ userId: u.userId, eventName: 'revenue', value: 0.1, at: new Date(now) });
      if (i % 31 === 0) events.push({ userId: u.userId, eventName: 'refund', value: 1, at: new Date(now) });
    });
    await seed(id, users, events);

    const results = (await t.http.get('/api/v1/experiments/family-series/results?fresh=true').set(asAdmin)).body;
    for (const metric of ['purchase', 'revenue', 'refund']) {
      const series = (await t.http.get(`/api/v1/experiments/family-series/results/timeseries?metric=${metric}`).set(asAdmin)).body;
      const m = results.metrics.find((x: { name: string }) => x.name === metric);
      const last = series.points[series.points.length - 1];
      expect(series.points.length).toBeGreaterThanOrEqual(5);
      // Before: a point corrected over this metric's treatments only (p = 0.043 where /results said 0.173).
      expect(last.variants).toEqual(
        m.variants.map((v: Record<string, unknown>) =>
          m.type === 'conversion'
            ? { name: v.name, users: v.users, rate: v.rate, ci: v.ci }
            : { name: v.name, users: v.users, mean: v.mean, ci: v.ci },
        ),
      );
      expect(last.comparisons).toEqual(
        m.comparisons.map((c: Record<string, unknown>) => ({
          variant: c.variant,
          pValue: c.pValue,
          adjustedPValue: c.adjustedPValue,
          significant: c.significant,
          chanceToWin: c.chanceToWin,
        })),
      );
      // Before: back-dated events made early rates exceed 1. A user counts from their assignment on.
      for (const point of series.points) {
        for (const v of point.variants) if (v.rate !== undefined && v.rate !== null) expect(v.rate).toBeLessThanOrEqual(1);
      }
    }
  });

  it('should cap the points in SQL: 20,000 events of 4 users one day apart give at most 1,000 points', async () => {
    const id = await createRunning('spread', {
      variants: [
        { name: 'control', weight: 0.5 },
        { name: 'green', weight: 0.5 },
      ],
      metrics: [{ name: 'revenue', type: 'mean', role: 'primary' }],
    });
    const now = Date.now();
    const users = Array.from({ length: 4 }, (_, i) => ({
      userId: `s-${i}`,
      variant: i % 2 ? 'green' : 'control',
      assignedAt: new Date(now - 5000 * day * (i + 1)),
    }));
    await seed(
      id,
      users,
      Array.from({ length: 20_000 }, (_, i) => ({
        userId: `s-${i % 4}`,
        eventName: 'revenue',
        value: 1,
        at: new Date(now - (i % 5000) * day),
      })),
    );
    const res = await t.http.get('/api/v1/experiments/spread/results/timeseries?interval=day').set(asAdmin);
    expect(res.status).toBe(200);
    expect(res.body.points.length).toBeLessThanOrEqual(1000);
    expect(res.body.points[res.body.points.length - 1].variants.map((v: { users: number }) => v.users)).toEqual([2, 2]);
  });
});
