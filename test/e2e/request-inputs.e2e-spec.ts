import { Client } from 'pg';
import type { Response } from 'supertest';
import { asAdmin, asClient, startTestAppWithDatabase, TestApp } from '../support/test-app';

/**
 * The hand-written checks of the hot-path inputs (common/input-checks.ts) seen through HTTP: the
 * contract's 400 body with every problem in `details`, and nothing written.
 */
describe('Hot-path request inputs', () => {
  let t: TestApp & { db: Client };
  let db: Client;

  beforeAll(async () => {
    t = await startTestAppWithDatabase();
    db = t.db;
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
    await t.close();
  });

  const assignmentCount = async (): Promise<number> => Number((await db.query('SELECT count(*) FROM assignments')).rows[0].count);

  function expectRefused(res: Response, field: string, problem: string): void {
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      code: 'VALIDATION_FAILED',
      message: `${field} ${problem}`,
      details: [{ field, problem }],
    });
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
        code: 'VALIDATION_FAILED',
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

  describe('POST /api/v1/experiments/:key/track', () => {
    const eventCount = async (): Promise<number> => Number((await db.query('SELECT count(*) FROM events')).rows[0].count);

    it.each([
      ['a JSON array', [{ userId: 'u', eventName: 'purchase' }], [{ field: 'body', problem: 'must be a JSON object' }]],
      [
        'an unknown field and a number eventName',
        { userId: 'u', eventName: 5, extra: true },
        [
          { field: 'extra', problem: 'is not a known field' },
          { field: 'eventName', problem: 'must be a string' },
        ],
      ],
      ['a null value', { userId: 'u', eventName: 'purchase', value: null }, [{ field: 'value', problem: 'must be a finite number' }]],
      [
        'properties that are a string',
        { userId: 'u', eventName: 'purchase', properties: 'x' },
        [{ field: 'properties', problem: 'must be an object' }],
      ],
      [
        'a too long eventId',
        { userId: 'u', eventName: 'purchase', eventId: 'e'.repeat(201) },
        [{ field: 'eventId', problem: 'must be 1 to 200 characters long' }],
      ],
    ])('should refuse %s with 400 and store nothing', async (_label, body, details) => {
      const before = await eventCount();
      const res = await t.http
        .post('/api/v1/experiments/inputs/track')
        .set(asClient)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(body));
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        code: 'VALIDATION_FAILED',
        message: details.map((d) => `${d.field} ${d.problem}`).join('; '),
        details,
      });
      expect(await eventCount()).toBe(before);
    });
  });

  describe('a NUL character (PostgreSQL text and jsonb cannot hold one)', () => {
    it('should refuse it in a userId with 400 while concurrent assigns of other users succeed', async () => {
      const before = await assignmentCount();
      const neighbours = Array.from({ length: 10 }, (_, i) => `nul-neighbour-${i}`);
      const [bad, ...good] = await Promise.all([assign({ userId: 'bad\u0000user' }), ...neighbours.map((userId) => assign({ userId }))]);
      expectRefused(bad, 'userId', 'must not contain the NUL character (\\u0000)');
      expect(good.map((res) => [res.status, res.body.reason])).toEqual(neighbours.map(() => [200, 'assigned']));
      expect(await assignmentCount()).toBe(before + neighbours.length);
    });

    it('should refuse it in event properties with 400 and store nothing', async () => {
      await assign({ userId: 'nul-tracker' });
      const res = await t.http
        .post('/api/v1/experiments/inputs/track')
        .set(asClient)
        .send({ userId: 'nul-tracker', eventName: 'purchase', properties: { note: 'a\u0000b' } });
      expectRefused(res, 'properties', 'must not contain the NUL character (\\u0000)');
      expect(Number((await db.query(`SELECT count(*) FROM events WHERE user_id = 'nul-tracker'`)).rows[0].count)).toBe(0);
    });
  });

  // Found by the fuzz suite: a route that takes no body accepted a text/plain one (201).
  it('should refuse a text/plain body with 415, also on a route that takes no body', async () => {
    for (const url of ['/api/v1/stream/ticket', '/api/v1/experiments']) {
      const res = await t.http.post(url).set(asAdmin).set('content-type', 'text/plain').send('{}');
      expect({ url, status: res.status, code: res.body.code }).toEqual({ url, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    }
    expect((await t.http.post('/api/v1/stream/ticket').set(asAdmin)).status).toBe(201);
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
