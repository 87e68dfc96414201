import { Client } from 'pg';
import type { Response } from 'supertest';
import { asAdmin, asClient, startTestApp, TestApp } from '../support/test-app';

/**
 * The hand-written checks of the hot-path inputs (common/input-checks.ts) seen through HTTP: the
 * contract's 400 body with every problem in `details`, and nothing written.
 */
describe('Hot-path request inputs', () => {
  let t: TestApp;
  let db: Client;

  beforeAll(async () => {
    t = await startTestApp();
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    // A running experiment, so a request that got past the checks would write an assignment.
    await t.http
      .post('/api/v1/experiments')
      .set(asAdmin)
      .send({
        name: 'Inputs',
        key: 'inputs',
        variants: [
          { name: 'control', weight: 0.5 },
          { name: 'green', weight: 0.5 },
        ],
        metrics: [{ name: 'purchase', type: 'conversion' }],
      })
      .expect(201);
    await t.http.post('/api/v1/experiments/inputs/start').set(asAdmin).expect(200);
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  const assignmentCount = async (): Promise<number> => Number((await db.query('SELECT count(*) FROM assignments')).rows[0].count);

  function expectRefused(res: Response, field: string, problem: string): void {
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message: `${field} ${problem}`, details: [{ field, problem }] });
  }

  const assign = (body: unknown) =>
    t.http.post('/api/v1/experiments/inputs/assign').set(asClient).set('Content-Type', 'application/json').send(JSON.stringify(body));

  describe('POST /api/v1/experiments/:key/assign', () => {
    it.each([
      ['a number userId', { userId: 5 }, 'userId', 'must be a string'],
      ['no userId', {}, 'userId', 'is required'],
      ['an unknown field', { userId: 'u', extra: 1 }, 'extra', 'is not a known field'],
      ['a JSON array', [{ userId: 'u' }], 'body', 'must be a JSON object'],
      ['attributes that are an array', { userId: 'u', attributes: [1] }, 'attributes', 'must be an object'],
    ])('should refuse %s with 400 and write nothing', async (_label, body, field, problem) => {
      const before = await assignmentCount();
      expectRefused(await assign(body), field, problem);
      expect(await assignmentCount()).toBe(before);
    });

    it('should report every problem of one body at once', async () => {
      const res = await assign({ extra: 1, userId: 5, attributes: 'x' });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: 'extra is not a known field; userId must be a string; attributes must be an object',
        details: [
          { field: 'extra', problem: 'is not a known field' },
          { field: 'userId', problem: 'must be a string' },
          { field: 'attributes', problem: 'must be an object' },
        ],
      });
    });
  });

  describe('POST /api/v1/decide', () => {
    it('should refuse an empty userId with 400 and write nothing', async () => {
      const before = await assignmentCount();
      const res = await t.http.post('/api/v1/decide').set(asClient).send({ userId: '' });
      expectRefused(res, 'userId', 'must be 1 to 256 characters long');
      expect(await assignmentCount()).toBe(before);
    });
  });

  describe('GET /api/v1/experiments/:key/variant', () => {
    it.each([
      ['no userId', '', 'is required'],
      ['userId given twice (an array)', '?userId=a&userId=b', 'must be a string'],
    ])('should refuse %s with 400 and write nothing', async (_label, query, problem) => {
      const before = await assignmentCount();
      const res = await t.http.get(`/api/v1/experiments/inputs/variant${query}`).set(asClient);
      expectRefused(res, 'userId', problem);
      expect(await assignmentCount()).toBe(before);
    });
  });

  describe('GET /api/v1/rollouts/check/:modelVersion', () => {
    it('should refuse a missing userId with 400 and write nothing', async () => {
      const before = await assignmentCount();
      const res = await t.http.get('/api/v1/rollouts/check/some-model').set(asClient);
      expectRefused(res, 'userId', 'is required');
      expect(await assignmentCount()).toBe(before);
    });
  });

  // The same requests, when valid, do write: the "nothing written" checks above are not vacuous.
  it('should still assign a valid request (the counts above are not vacuous)', async () => {
    const before = await assignmentCount();
    const res = await assign({ userId: 'valid-user', attributes: { country: 'DE' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ experimentKey: 'inputs', userId: 'valid-user', inExperiment: true, reason: 'assigned' });
    expect(await assignmentCount()).toBe(before + 1);
  });
});
