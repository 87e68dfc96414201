import { Client } from 'pg';
import { bucket } from '../../src/bucketing/hash';
import { ExperimentCatalogService } from '../../src/experiments/experiment-catalog.service';
import { asAdmin, asClient, startTestAppWithDatabase, TestApp } from '../support/test-app';

describe('Assignment API', () => {
  let t: TestApp & { db: Client };
  let db: Client;

  beforeAll(async () => {
    t = await startTestAppWithDatabase();
    db = t.db;
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    // TRUNCATE bypasses the service, so the in-memory catalog is told by hand.
    await db.query('TRUNCATE experiments CASCADE');
    t.app.get(ExperimentCatalogService).clear();
  });

  async function experiment(key: string, overrides: object = {}, start = true): Promise<string> {
    const res = await t.http
      .post('/api/v1/experiments')
      .set(asAdmin)
      .send({
        name: key,
        key,
        variants: [
          { name: 'control', weight: 0.5, config: { color: 'blue' } },
          { name: 'green', weight: 0.5, config: { color: 'green' } },
        ],
        metrics: [{ name: 'purchase', type: 'conversion' }],
        ...overrides,
      });
    expect(res.status).toBe(201);
    if (start) await t.http.post(`/api/v1/experiments/${key}/start`).set(asAdmin).expect(200);
    return res.body.id;
  }

  const assign = (key: string, userId: string) => t.http.post(`/api/v1/experiments/${key}/assign`).set(asClient).send({ userId });
  const assignmentRows = async (id: string) =>
    (await db.query('SELECT user_id, variant, exposures FROM assignments WHERE experiment_id = $1 ORDER BY user_id', [id])).rows;

  it('should assign the hashed variant, persist it, then answer sticky', async () => {
    const id = await experiment('exp', {
      hashSeed: 'seed',
      variants: [
        { name: 'a', weight: 0.2 },
        { name: 'b', weight: 0.3 },
        { name: 'c', weight: 0.5 },
      ],
    });
    // Contract vectors, seed "seed", weights [0.2, 0.3, 0.5]: "a" → 0, "b" → 1, "42" → 2.
    const first = await assign('exp', '42');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      experimentId: id,
      experimentKey: 'exp',
      userId: '42',
      inExperiment: true,
      variant: { name: 'c', config: {} },
      reason: 'assigned',
    });
    expect((await assign('exp', 'a')).body.variant.name).toBe('a');
    expect((await assign('exp', 'b')).body.variant.name).toBe('b');
    const again = await t.http.get('/api/v1/experiments/exp/variant?userId=42').set(asClient);
    expect(again.body).toMatchObject({ inExperiment: true, reason: 'sticky', variant: { name: 'c' } });
    expect(await assignmentRows(id)).toEqual([
      { user_id: '42', variant: 'c', exposures: '1' },
      { user_id: 'a', variant: 'a', exposures: '1' },
      { user_id: 'b', variant: 'b', exposures: '1' },
    ]);
  });

  it('should count every sticky answer as an exposure', async () => {
    const id = await experiment('exp');
    await assign('exp', 'u-1');
    await assign('exp', 'u-1');
    await assign('exp', 'u-1');
    const buffer = t.app.get((await import('../../src/assignments/exposure-buffer.service')).ExposureBufferService);
    await buffer.flush();
    expect((await assignmentRows(id))[0].exposures).toBe('3');
  });

  it('should give two concurrent first requests the same variant and one row', async () => {
    const id = await experiment('exp');
    const users = Array.from({ length: 50 }, (_, i) => `racer-${i}`);
    const answers = await Promise.all(users.flatMap((u) => [assign('exp', u), assign('exp', u), assign('exp', u)]));
    for (const res of answers) expect(res.status).toBe(200);
    for (const user of users) {
      const mine = answers.filter((r) => r.body.userId === user);
      expect(new Set(mine.map((r) => r.body.variant.name)).size).toBe(1);
      expect(mine.filter((r) => r.body.reason === 'assigned')).toHaveLength(1);
    }
    expect(await assignmentRows(id)).toHaveLength(50);
  });

  it('should leave users outside the traffic allocation out, and keep enrolled users when allocation drops', async () => {
    await experiment('exp', { hashSeed: 'seed', trafficAllocation: 0.2 });
    // seed "seed", 50/50 at 20 %: "a" (bucket 0.0505) → control, "b" (0.2696) → not in experiment.
    expect((await assign('exp', 'a')).body).toMatchObject({ inExperiment: true, variant: { name: 'control' } });
    expect((await assign('exp', 'b')).body).toEqual(
      expect.objectContaining({ inExperiment: false, variant: null, reason: 'not_in_traffic' }),
    );

    await t.http.patch('/api/v1/experiments/exp').set(asAdmin).send({ trafficAllocation: 1 }).expect(200);
    expect((await assign('exp', 'user-1')).body).toMatchObject({ reason: 'assigned', variant: { name: 'control' } }); // 0.4232
    await t.http.patch('/api/v1/experiments/exp').set(asAdmin).send({ trafficAllocation: 0.01 }).expect(200);
    expect((await assign('exp', 'user-1')).body).toMatchObject({ inExperiment: true, reason: 'sticky', variant: { name: 'control' } });
  });

  it('should keep users of a paused experiment and enrol no one new', async () => {
    const id = await experiment('exp');
    await assign('exp', 'existing');
    await t.http.post('/api/v1/experiments/exp/pause').set(asAdmin).expect(200);
    const existing = await assign('exp', 'existing');
    expect(existing.body).toMatchObject({ inExperiment: true, reason: 'sticky' });
    const fresh = await assign('exp', 'newcomer');
    expect(fresh.body).toMatchObject({ inExperiment: false, variant: null, reason: 'paused' });
    expect((await assignmentRows(id)).map((r) => r.user_id)).toEqual(['existing']);
  });

  it('should answer not_running for a draft without writing', async () => {
    const id = await experiment('exp', {}, false);
    expect((await assign('exp', 'u')).body).toMatchObject({ inExperiment: false, variant: null, reason: 'not_running' });
    expect(await assignmentRows(id)).toEqual([]);
  });

  it("should serve the winner's config after completion, or control's without a winner", async () => {
    await experiment('won');
    await t.http.post('/api/v1/experiments/won/complete').set(asAdmin).send({ winner: 'green' }).expect(200);
    expect((await assign('won', 'anyone')).body).toMatchObject({
      inExperiment: false,
      reason: 'winner',
      variant: { name: 'green', config: { color: 'green' } },
    });
    await experiment('plain');
    await t.http.post('/api/v1/experiments/plain/complete').set(asAdmin).expect(200);
    expect((await assign('plain', 'anyone')).body).toMatchObject({
      reason: 'completed',
      variant: { name: 'control', config: { color: 'blue' } },
    });
  });

  it('should see a change made on the experiment at once (cache invalidation)', async () => {
    await experiment('exp');
    expect((await assign('exp', 'x')).body.reason).toBe('assigned');
    await t.http.post('/api/v1/experiments/exp/pause').set(asAdmin).expect(200);
    expect((await assign('exp', 'y')).body.reason).toBe('paused');
  });

  it.each([
    ['no userId', {}],
    ['an empty userId', { userId: '' }],
    ['a userId over 256 characters', { userId: 'x'.repeat(257) }],
    ['a numeric userId', { userId: 42 }],
    ['an unknown field', { userId: 'u', extra: true }],
    ['attributes that are not an object', { userId: 'u', attributes: 'vip' }],
  ])('should reject %s with 400 and write nothing', async (_label, body) => {
    const id = await experiment('exp');
    const res = await t.http.post('/api/v1/experiments/exp/assign').set(asClient).send(body);
    expect(res.status).toBe(400);
    expect(res.body.statusCode).toBe(400);
    expect(res.body.details.length).toBeGreaterThan(0);
    expect(await assignmentRows(id)).toEqual([]);
  });

  it('should 404 an unknown experiment and 400 a variant lookup without userId', async () => {
    expect((await assign('missing', 'u')).status).toBe(404);
    await experiment('exp');
    expect((await t.http.get('/api/v1/experiments/exp/variant').set(asClient)).status).toBe(400);
  });

  it('should need a token: 401 without one', async () => {
    await experiment('exp');
    expect((await t.http.post('/api/v1/experiments/exp/assign').send({ userId: 'u' })).status).toBe(401);
  });

  it('should decide every running experiment for a user in one call', async () => {
    await experiment('one', { hashSeed: 'seed' });
    await experiment('two', { hashSeed: 'seed', trafficAllocation: 0.2 });
    await experiment('draft', {}, false);
    const res = await t.http.post('/api/v1/decide').set(asClient).send({ userId: 'b' });
    expect(res.status).toBe(200);
    // bucket("seed", "b") = 0.2696 → green at 100 %, outside a 20 % allocation.
    expect(bucket('seed', 'b')).toBe(0.2696);
    expect(res.body).toEqual({
      userId: 'b',
      experiments: {
        one: { variant: 'control', config: { color: 'blue' }, inExperiment: true },
        two: { variant: null, config: null, inExperiment: false },
      },
      rollouts: {},
    });
  });

  it('should spread 2,000 users through HTTP close to 50/50 (chi-square p > 0.001)', async () => {
    const id = await experiment('spread');
    for (let i = 0; i < 2000; i += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, j) => assign('spread', `spread-user-${i + j}`)));
    }
    const rows = (await db.query('SELECT variant, count(*)::int AS n FROM assignments WHERE experiment_id = $1 GROUP BY variant', [id]))
      .rows;
    const n = Object.fromEntries(rows.map((r) => [r.variant, r.n]));
    expect(n.control + n.green).toBe(2000);
    const chi = ((n.control - 1000) ** 2 + (n.green - 1000) ** 2) / 1000;
    // chi-square(1) critical value at p = 0.001 is 10.828 (scipy.stats.chi2.ppf(0.999, 1)).
    expect(chi).toBeLessThan(10.828);
  });
});
