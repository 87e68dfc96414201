import { Client } from 'pg';
import { asAdmin, asClient, startTestApp, startTestAppWithDatabase, TestApp } from '../support/test-app';

const validBody = () => ({
  name: 'Checkout button colour',
  key: 'checkout-button',
  description: 'Green vs blue',
  hypothesis: 'Green increases purchases by 5 %',
  variants: [
    { name: 'control', weight: 0.5, config: { color: 'blue' } },
    { name: 'green', weight: 0.5, config: { color: 'green' } },
  ],
  controlVariant: 'control',
  trafficAllocation: 1.0,
  metrics: [
    { name: 'purchase', type: 'conversion', goal: 'increase', role: 'primary' },
    { name: 'revenue', type: 'mean', goal: 'increase', role: 'secondary' },
    { name: 'error', type: 'conversion', goal: 'decrease', role: 'guardrail' },
  ],
  minimumSampleSize: 100,
  confidenceLevel: 0.95,
  analysis: 'frequentist',
  correction: 'holm',
  hashSeed: 'checkout-button',
});

describe('Experiments API', () => {
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
    await db.query('TRUNCATE experiments CASCADE');
  });

  const count = async (table: string): Promise<number> => Number((await db.query(`SELECT count(*) FROM ${table}`)).rows[0].count);
  const create = (body: object = validBody()) => t.http.post('/api/v1/experiments').set(asAdmin).send(body);

  describe('create', () => {
    it('should create a draft with every field of the contract', async () => {
      const res = await create();
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        key: 'checkout-button',
        name: 'Checkout button colour',
        status: 'draft',
        controlVariant: 'control',
        trafficAllocation: 1,
        minimumSampleSize: 100,
        confidenceLevel: 0.95,
        analysis: 'frequentist',
        correction: 'holm',
        hashSeed: 'checkout-button',
        winner: null,
        startedAt: null,
        pausedAt: null,
        completedAt: null,
      });
      expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(new Date(res.body.createdAt).toISOString()).toBe(res.body.createdAt);
      expect(res.body.variants[1]).toEqual({ name: 'green', weight: 0.5, config: { color: 'green' } });
      expect(res.body.metrics).toHaveLength(3);
    });

    it('should apply the defaults: key from name, control = first variant, hashSeed = key, first metric primary', async () => {
      const res = await create({
        name: 'Über Fancy Test!',
        variants: [
          { name: 'a', weight: 0.3 },
          { name: 'b', weight: 0.7 },
        ],
        metrics: [
          { name: 'click', type: 'conversion' },
          { name: 'time', type: 'mean' },
        ],
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ key: 'uber-fancy-test', controlVariant: 'a', hashSeed: 'uber-fancy-test', trafficAllocation: 1 });
      expect(res.body.metrics).toEqual([
        { name: 'click', type: 'conversion', goal: 'increase', role: 'primary' },
        { name: 'time', type: 'mean', goal: 'increase', role: 'secondary' },
      ]);
      expect(res.body.variants[0].config).toEqual({});
    });

    it('should accept the seed-000 shorthand and normalise it', async () => {
      const res = await create({
        name: 'Shorthand',
        variants: { control: { color: 'blue' }, treatment: { color: 'green' } },
        trafficAllocation: { control: 0.4, treatment: 0.6 },
        successMetric: 'signup',
      });
      expect(res.status).toBe(201);
      expect(res.body.variants).toEqual([
        { name: 'control', weight: 0.4, config: { color: 'blue' } },
        { name: 'treatment', weight: 0.6, config: { color: 'green' } },
      ]);
      expect(res.body.trafficAllocation).toBe(1);
      expect(res.body.metrics).toEqual([{ name: 'signup', type: 'conversion', goal: 'increase', role: 'primary' }]);
    });

    it.each([
      ['a missing name', (b: any) => delete b.name, 'name'],
      ['an unknown field', (b: any) => (b.colour = 'red'), 'colour'],
      ['a name over 200 characters', (b: any) => (b.name = 'x'.repeat(201)), 'name'],
      ['an invalid key', (b: any) => (b.key = 'Bad Key!'), 'key'],
      ['weights not summing to 1', (b: any) => (b.variants[1].weight = 0.6), 'variants'],
      ['one variant', (b: any) => b.variants.pop(), 'variants'],
      ['duplicate variant names', (b: any) => (b.variants[1].name = 'control'), 'variants'],
      ['a zero weight', (b: any) => b.variants.push({ name: 'zero', weight: 0 }), 'variants[2].weight'],
      ['a weight as a string', (b: any) => (b.variants[0].weight = '0.5'), 'variants[0].weight'],
      ['an unknown control', (b: any) => (b.controlVariant = 'blue'), 'controlVariant'],
      ['two primary metrics', (b: any) => (b.metrics[1].role = 'primary'), 'metrics'],
      ['no metrics', (b: any) => (b.metrics = []), 'metrics'],
      ['an unknown metric type', (b: any) => (b.metrics[0].type = 'ratio'), 'metrics[0].type'],
      ['trafficAllocation 0', (b: any) => (b.trafficAllocation = 0), 'trafficAllocation'],
      ['trafficAllocation 1.5', (b: any) => (b.trafficAllocation = 1.5), 'trafficAllocation'],
      ['confidenceLevel 0.9999', (b: any) => (b.confidenceLevel = 0.9999), 'confidenceLevel'],
      ['minimumSampleSize 0', (b: any) => (b.minimumSampleSize = 0), 'minimumSampleSize'],
      ['a fractional minimumSampleSize', (b: any) => (b.minimumSampleSize = 10.5), 'minimumSampleSize'],
      ['an unknown analysis', (b: any) => (b.analysis = 'magic'), 'analysis'],
      ['a config that is not an object', (b: any) => (b.variants[0].config = [1, 2]), 'variants[0].config'],
    ])('should reject %s with 400 naming %s and write nothing', async (_label, mutate, field) => {
      const body = validBody();
      mutate(body);
      const res = await create(body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(res.body.message).toContain(field);
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
      expect(await count('experiments')).toBe(0);
    });

    it('should reject a name taken in another case with 409', async () => {
      expect((await create()).status).toBe(201);
      const res = await create({ ...validBody(), key: 'other-key', name: 'CHECKOUT BUTTON COLOUR' });
      expect(res.status).toBe(409);
      expect(res.body.message).toContain('already taken');
      expect(await count('experiments')).toBe(1);
    });

    it('should reject a taken key with 409', async () => {
      expect((await create()).status).toBe(201);
      const res = await create({ ...validBody(), name: 'Another name' });
      expect(res.status).toBe(409);
      expect(res.body.message).toBe('Experiment key "checkout-button" is already taken');
    });

    it('should reject a body that is not JSON with 400', async () => {
      const res = await t.http.post('/api/v1/experiments').set(asAdmin).set('content-type', 'application/json').send('{"name":');
      expect(res.status).toBe(400);
      expect(res.body.statusCode).toBe(400);
    });
  });

  describe('read', () => {
    it('should get by id and by key, and 404 for unknown ids, non-UUID ids and keys', async () => {
      const { body } = await create();
      expect((await t.http.get(`/api/v1/experiments/${body.id}`).set(asAdmin)).body.key).toBe('checkout-button');
      expect((await t.http.get('/api/v1/experiments/checkout-button').set(asAdmin)).body.id).toBe(body.id);
      for (const missing of ['00000000-0000-0000-0000-000000000000', 'not-a-uuid', '12345']) {
        const res = await t.http.get(`/api/v1/experiments/${missing}`).set(asAdmin);
        expect(res.status).toBe(404);
        expect(res.body).toEqual({
          statusCode: 404,
          error: 'Not Found',
          code: 'EXPERIMENT_NOT_FOUND',
          message: `Experiment ${missing} not found`,
        });
      }
    });

    it('should list newest first with status filter and pagination', async () => {
      for (let i = 0; i < 5; i++) {
        expect((await create({ ...validBody(), name: `Experiment ${i}`, key: `exp-${i}` })).status).toBe(201);
      }
      await t.http.post('/api/v1/experiments/exp-1/start').set(asAdmin).expect(200);
      const page = await t.http.get('/api/v1/experiments?limit=2&offset=1').set(asAdmin);
      expect(page.body).toMatchObject({ total: 5, limit: 2, offset: 1 });
      expect(page.body.items.map((e: { key: string }) => e.key)).toEqual(['exp-3', 'exp-2']);
      const running = await t.http.get('/api/v1/experiments?status=running').set(asAdmin);
      expect(running.body.items.map((e: { key: string }) => e.key)).toEqual(['exp-1']);
      expect((await t.http.get('/api/v1/experiments?limit=501').set(asAdmin)).status).toBe(400);
      expect((await t.http.get('/api/v1/experiments?status=done').set(asAdmin)).status).toBe(400);
    });
  });

  describe('update', () => {
    it('should change anything but the key in draft', async () => {
      await create();
      const res = await t.http
        .patch('/api/v1/experiments/checkout-button')
        .set(asAdmin)
        .send({
          variants: [
            { name: 'control', weight: 0.2 },
            { name: 'red', weight: 0.8 },
          ],
          hashSeed: 'new-seed',
        });
      expect(res.status).toBe(200);
      expect(res.body.variants.map((v: { name: string }) => v.name)).toEqual(['control', 'red']);
      expect(res.body.hashSeed).toBe('new-seed');
      const key = await t.http.patch('/api/v1/experiments/checkout-button').set(asAdmin).send({ key: 'renamed' });
      expect(key.status).toBe(400);
      expect(key.body.details).toEqual([{ field: 'key', problem: 'is immutable once the experiment exists' }]);
    });

    it('should refuse changes that would re-bucket users while running, with a reason', async () => {
      await create();
      await t.http.post('/api/v1/experiments/checkout-button/start').set(asAdmin).expect(200);
      for (const patch of [
        {
          variants: [
            { name: 'control', weight: 0.4 },
            { name: 'green', weight: 0.6 },
          ],
        },
        { controlVariant: 'green' },
        { hashSeed: 'other' },
        { metrics: [{ name: 'revenue', type: 'mean', role: 'primary' }] },
      ]) {
        const res = await t.http.patch('/api/v1/experiments/checkout-button').set(asAdmin).send(patch);
        expect(res.status).toBe(409);
        expect(res.body.message).toMatch(/re-bucket|primary metric/);
      }
      const ok = await t.http
        .put('/api/v1/experiments/checkout-button')
        .set(asAdmin)
        .send({
          name: 'Renamed',
          trafficAllocation: 0.5,
          confidenceLevel: 0.99,
          metrics: [...validBody().metrics, { name: 'latency', type: 'mean', goal: 'decrease', role: 'guardrail' }],
        });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ name: 'Renamed', trafficAllocation: 0.5, confidenceLevel: 0.99 });
      expect(ok.body.metrics).toHaveLength(4);
    });

    it('should only accept a description once completed', async () => {
      await create();
      await t.http.post('/api/v1/experiments/checkout-button/start').set(asAdmin).expect(200);
      await t.http.post('/api/v1/experiments/checkout-button/complete').set(asAdmin).expect(200);
      expect((await t.http.patch('/api/v1/experiments/checkout-button').set(asAdmin).send({ description: 'done' })).status).toBe(200);
      const res = await t.http.patch('/api/v1/experiments/checkout-button').set(asAdmin).send({ name: 'New' });
      expect(res.status).toBe(409);
    });
  });

  describe('lifecycle', () => {
    it('should follow draft → running ⇄ paused → completed and record history with actors', async () => {
      const { body } = await create();
      const started = await t.http.post(`/api/v1/experiments/${body.id}/start`).set(asAdmin);
      expect(started.status).toBe(200);
      expect(started.body.status).toBe('running');
      expect(started.body.startedAt).not.toBeNull();
      expect((await t.http.put(`/api/v1/experiments/${body.id}/pause`).set(asAdmin)).body.status).toBe('paused');
      expect((await t.http.post(`/api/v1/experiments/${body.id}/resume`).set(asAdmin)).body.pausedAt).toBeNull();
      const done = await t.http.post(`/api/v1/experiments/${body.id}/complete`).set(asAdmin).send({ winner: 'green' });
      expect(done.body).toMatchObject({ status: 'completed', winner: 'green' });

      const history = await t.http.get(`/api/v1/experiments/${body.id}/history`).set(asAdmin);
      expect(history.body.map((h: { action: string }) => h.action)).toEqual(['created', 'started', 'paused', 'resumed', 'completed']);
      expect(history.body[1]).toMatchObject({ from: 'draft', to: 'running', actor: 'admin' });
      expect(history.body[4].changes).toEqual({ winner: { from: null, to: 'green' } });
    });

    it('should refuse illegal transitions with 409 and the allowed list', async () => {
      await create();
      const pause = await t.http.post('/api/v1/experiments/checkout-button/pause').set(asAdmin);
      expect(pause.status).toBe(409);
      expect(pause.body).toMatchObject({ message: 'cannot go from draft to paused', allowed: ['running'] });
      await t.http.post('/api/v1/experiments/checkout-button/stop').set(asAdmin).expect(409);
      await t.http.post('/api/v1/experiments/checkout-button/start').set(asAdmin).expect(200);
      await t.http.post('/api/v1/experiments/checkout-button/stop').set(asAdmin).expect(200);
      const again = await t.http.put('/api/v1/experiments/checkout-button/status').set(asAdmin).send({ status: 'running' });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ message: 'cannot go from completed to running', allowed: [] });
    });

    it('should move by status name and reject unknown statuses with validStatuses', async () => {
      await create();
      const res = await t.http.put('/api/v1/experiments/checkout-button/status').set(asAdmin).send({ status: 'running' });
      expect(res.body.status).toBe('running');
      const bad = await t.http.put('/api/v1/experiments/checkout-button/status').set(asAdmin).send({ status: 'live' });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ message: 'Invalid status', validStatuses: ['draft', 'running', 'paused', 'completed'] });
    });

    it('should reject a winner that is not a variant', async () => {
      await create();
      await t.http.post('/api/v1/experiments/checkout-button/start').set(asAdmin).expect(200);
      const res = await t.http.post('/api/v1/experiments/checkout-button/complete').set(asAdmin).send({ winner: 'purple' });
      expect(res.status).toBe(400);
      expect(res.body.details[0].field).toBe('winner');
      expect((await t.http.get('/api/v1/experiments/checkout-button').set(asAdmin)).body.status).toBe('running');
    });
  });

  describe('delete', () => {
    it('should refuse a running experiment and delete a paused one with its assignments', async () => {
      const { body } = await create();
      await t.http.post('/api/v1/experiments/checkout-button/start').set(asAdmin).expect(200);
      await t.http.post('/api/v1/experiments/checkout-button/assign').set(asClient).send({ userId: 'u-1' }).expect(200);
      const refused = await t.http.delete('/api/v1/experiments/checkout-button').set(asAdmin);
      expect(refused.status).toBe(409);
      expect(refused.body.message).toContain('pause or complete');
      await t.http.post('/api/v1/experiments/checkout-button/pause').set(asAdmin).expect(200);
      await t.http.delete(`/api/v1/experiments/${body.id}`).set(asAdmin).expect(204);
      expect(await count('experiments')).toBe(0);
      expect(await count('assignments')).toBe(0);
      expect((await t.http.get(`/api/v1/experiments/${body.id}`).set(asAdmin)).status).toBe(404);
    });
  });

  describe('auth', () => {
    it('should answer 401 without a token and with a wrong one, and 403 for a client token on admin routes', async () => {
      const none = await t.http.get('/api/v1/experiments');
      expect(none.status).toBe(401);
      expect(none.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      expect((await t.http.get('/api/v1/experiments').set('Authorization', 'Bearer wrong-token-123')).status).toBe(401);
      const client = await t.http.post('/api/v1/experiments').set(asClient).send(validBody());
      expect(client.status).toBe(403);
      expect(client.body.error).toBe('Forbidden');
      expect(await count('experiments')).toBe(0);
    });
  });
});

describe('Experiments API in open mode', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ADMIN_TOKEN: undefined, CLIENT_TOKENS: undefined });
  });
  afterAll(async () => t.close());

  it('should serve admin routes without a token', async () => {
    expect((await t.http.get('/api/v1/experiments')).status).toBe(200);
  });
});
