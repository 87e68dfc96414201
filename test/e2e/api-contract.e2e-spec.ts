import type { Response } from 'supertest';
import { ERROR_CODES } from '../../src/common/error-codes';
import { seed000PathOf } from '../../src/compat/seed-000-aliases';
import { OpenApiDocument, responseSchema, schemaProblems } from '../support/openapi-conformance';
import { asAdmin, asClient, startTestApp, TestApp } from '../support/test-app';

/**
 * One API contract (issue 14): the OpenAPI document types every 2xx answer and every error, the
 * answers the service gives match those types, every error carries a code, and the seed-000 paths
 * (`/api/experiments…`, `/api/experiments/rollouts…`) answer as their /api/v1 successors.
 */
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

type Mode = 'v1' | 'seed-000';
type Token = typeof asAdmin | typeof asClient;

describe('API contract', () => {
  let t: TestApp;
  let document: OpenApiDocument;

  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_TICK_SECONDS: '3600' });
    document = (await t.http.get('/docs-json').expect(200)).body;
  });
  afterAll(async () => {
    await t.close();
  });

  describe('the OpenAPI document', () => {
    const operations = (): Array<{ path: string; method: string; operation: OpenApiDocument['paths'][string][string] }> =>
      Object.entries(document.paths).flatMap(([path, item]) =>
        METHODS.filter((method) => item[method]).map((method) => ({ path, method, operation: item[method] })),
      );
    const typed2xx = (operation: OpenApiDocument['paths'][string][string]): boolean =>
      Object.entries(operation.responses).some(
        ([status, response]) =>
          status === '204' ||
          (status.startsWith('2') &&
            Object.values(response.content ?? {}).some((media) =>
              Boolean(media.schema?.$ref ?? media.schema?.type ?? media.schema?.properties),
            )),
      );

    it('should type the 2xx answer of every operation (at least 48 of the /api/v1 ones)', () => {
      const v1 = operations().filter((o) => o.path.startsWith('/api/v1/'));
      expect(v1.length).toBeGreaterThanOrEqual(50);
      const untyped = operations()
        .filter((o) => !typed2xx(o.operation))
        .map((o) => `${o.method.toUpperCase()} ${o.path}`);
      expect(untyped).toEqual([]);
      expect(v1.filter((o) => typed2xx(o.operation)).length).toBeGreaterThanOrEqual(48);
    });

    it('should type every error of every API operation as ErrorBody, whose code lists every error code', () => {
      for (const { path, method, operation } of operations().filter((o) => o.path.startsWith('/api/'))) {
        for (const status of ['4XX', '429', '503']) {
          expect([method, path, status, operation.responses[status]?.content?.['application/json']?.schema?.$ref]).toEqual([
            method,
            path,
            status,
            '#/components/schemas/ErrorBody',
          ]);
        }
      }
      const errorBody = document.components.schemas.ErrorBody;
      expect(errorBody.required).toEqual(expect.arrayContaining(['statusCode', 'error', 'code', 'message']));
      expect(errorBody.properties?.code.enum).toEqual(Object.keys(ERROR_CODES));
    });

    it('should list each seed-000 path as a deprecated copy of its /api/v1 operation', () => {
      const v1 = operations().filter((o) => seed000PathOf(o.path) !== null);
      expect(v1.length).toBeGreaterThanOrEqual(40);
      for (const { path, method, operation } of v1) {
        const alias = document.paths[seed000PathOf(path)!]?.[method];
        expect([path, method, alias?.deprecated]).toEqual([path, method, true]);
        expect(alias.responses).toMatchObject(
          Object.fromEntries(Object.keys(operation.responses).map((status) => [status, expect.anything()])),
        );
      }
      expect(document.paths['/api/experiments/rollouts/check/{modelVersion}']?.get?.deprecated).toBe(true);
      expect(operations().filter((o) => !seed000PathOf(o.path) && o.operation.deprecated && o.path.startsWith('/api/v1'))).toEqual([]);
    });
  });

  /**
   * The contract's examples, in the order a client uses them. Every answer is checked against the
   * document's schema for its route; with `seed-000`, the same calls go to the seed-000 paths.
   */
  async function walk(mode: Mode, n: number): Promise<void> {
    const call = async (
      method: 'get' | 'post' | 'put' | 'patch' | 'delete',
      v1Template: string,
      params: Record<string, string>,
      token: Token,
      status: number,
      body?: unknown,
    ): Promise<Response> => {
      const template = mode === 'v1' ? v1Template : (seed000PathOf(v1Template) ?? v1Template);
      const [pathTemplate, query] = template.split('?');
      const url = pathTemplate.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(params[name])) + (query ? `?${query}` : '');
      let request = t.http[method](url).set(token);
      if (body !== undefined) request = request.send(body as object);
      const res = await request;
      expect([method, url, res.status, res.status === status ? 'ok' : res.body]).toEqual([method, url, status, 'ok']);
      if (status !== 204) {
        expect([url, schemaProblems(document, responseSchema(document, method, pathTemplate, status), res.body)]).toEqual([url, []]);
      }
      if (mode === 'seed-000' && template !== v1Template) {
        const successor = pathTemplate
          .replace(/^\/api\/experiments\/rollouts/, '/api/v1/rollouts')
          .replace(/^\/api\/experiments/, '/api/v1/experiments')
          .replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(params[name]));
        expect([url, res.headers['deprecation'], res.headers['link']]).toEqual([url, 'true', `<${successor}>; rel="successor-version"`]);
      } else {
        expect(res.headers['deprecation']).toBeUndefined();
      }
      return res;
    };

    const key = `contract-${n}`;
    const created = await call('post', '/api/v1/experiments', {}, asAdmin, 201, {
      name: `Contract ${n}`,
      key,
      variants: { control: { color: 'blue' }, green: { color: 'green' } },
      trafficAllocation: { control: 0.5, green: 0.5 },
      successMetric: 'purchase',
    });
    const id = created.body.id as string;
    const p = { idOrKey: key };
    await call('get', '/api/v1/experiments?limit=5', {}, asAdmin, 200);
    await call('get', '/api/v1/experiments/{idOrKey}', { idOrKey: id }, asAdmin, 200);
    await call('patch', '/api/v1/experiments/{idOrKey}', p, asAdmin, 200, { description: 'changed' });
    await call('put', '/api/v1/experiments/{idOrKey}', p, asAdmin, 200, { hypothesis: 'green sells' });
    await call('post', '/api/v1/experiments/{idOrKey}/{action}', { ...p, action: 'start' }, asAdmin, 200);
    await call('put', '/api/v1/experiments/{idOrKey}/{action}', { ...p, action: 'pause' }, asAdmin, 200);
    await call('put', '/api/v1/experiments/{idOrKey}/status', p, asAdmin, 200, { status: 'running' });
    const assigned = await call('post', '/api/v1/experiments/{idOrKey}/assign', p, asClient, 200, { userId: 'u-1' });
    expect(assigned.body).toMatchObject({ experimentId: id, userId: 'u-1', inExperiment: true, reason: 'assigned' });
    const variant = await call('get', '/api/v1/experiments/{idOrKey}/variant?userId=u-1', p, asClient, 200);
    expect(variant.body).toMatchObject({ reason: 'sticky', variant: assigned.body.variant });
    await call('post', '/api/v1/experiments/{idOrKey}/track', p, asClient, 202, { userId: 'u-1', eventName: 'purchase', value: 10 });
    await call('post', '/api/v1/experiments/{idOrKey}/track', p, asClient, 202, { userId: 'u-1', eventType: 'view', eventData: {} });
    await call('post', '/api/v1/experiments/conversions', {}, asClient, 202, { experimentId: key, userId: 'u-1', metricName: 'purchase' });
    await call('post', '/api/v1/events/batch', {}, asClient, 200, { events: [{ experiment: key, userId: 'u-1', eventName: 'purchase' }] });
    await call('post', '/api/v1/decide', {}, asClient, 200, { userId: 'u-1' });
    await call('get', '/api/v1/experiments/{idOrKey}/results', p, asAdmin, 200);
    await call('get', '/api/v1/experiments/{idOrKey}/stats?analysis=bayesian', p, asAdmin, 200);
    await call('get', '/api/v1/experiments/{idOrKey}/results/timeseries?interval=hour', p, asAdmin, 200);
    await call('get', '/api/v1/experiments/{idOrKey}/metrics', p, asAdmin, 200);
    await call('get', '/api/v1/stats/sample-size?baselineRate=0.1&minDetectableEffect=0.02', {}, asAdmin, 200);
    await call('post', '/api/v1/experiments/{idOrKey}/{action}', { ...p, action: 'stop' }, asAdmin, 200, { winner: 'green' });
    await call('get', '/api/v1/experiments/{idOrKey}/history', p, asAdmin, 200);

    const rollout = await call('post', '/api/v1/rollouts', {}, asAdmin, 201, {
      name: `contract-rollout-${n}`,
      modelVersion: `v${n}.0.0`,
      baselineVersion: 'v1.0.0',
      schedule: {
        stages: [
          { percentage: 50, durationHours: 1 },
          { percentage: 100, durationHours: 1 },
        ],
      },
    });
    const r = { id: rollout.body.id as string, modelVersion: `v${n}.0.0` };
    await call('get', '/api/v1/rollouts?limit=5', {}, asAdmin, 200);
    await call('get', '/api/v1/rollouts/{id}', r, asAdmin, 200);
    await call('patch', '/api/v1/rollouts/{id}', r, asAdmin, 200, { description: 'ranker' });
    await call('put', '/api/v1/rollouts/{id}/start', r, asAdmin, 200);
    await call('get', '/api/v1/rollouts/{id}/check?userId=u-1', r, asClient, 200);
    const check = await call('get', '/api/v1/rollouts/check/{modelVersion}?userId=u-1', r, asClient, 200);
    expect(check.body).toMatchObject({ rolloutId: r.id, modelVersion: r.modelVersion, userId: 'u-1', percentage: 50 });
    await call('post', '/api/v1/rollouts/{id}/health', r, asClient, 202, { requests: 100, errors: 1, latencyP95Ms: 100 });
    await call('post', '/api/v1/rollouts/{id}/observations', r, asClient, 202, { observations: [{ latencyMs: 90, error: false }] });
    await call('put', '/api/v1/rollouts/{id}/percentage', r, asAdmin, 200, { percentage: 75 });
    await call('put', '/api/v1/rollouts/{id}/update', r, asAdmin, 200, { percentage: 80 });
    await call('post', '/api/v1/rollouts/{id}/pause', r, asAdmin, 200, { reason: 'look' });
    await call('put', '/api/v1/rollouts/{id}/resume', r, asAdmin, 200);
    await call('post', '/api/v1/rollouts/{id}/rollback', r, asAdmin, 200, { reason: 'errors' });
    await call('post', '/api/v1/rollouts/{id}/start', r, asAdmin, 200);
    await call('put', '/api/v1/rollouts/{id}/promote', r, asAdmin, 200);
    await call('get', '/api/v1/rollouts/{id}/history', r, asAdmin, 200);
    await call('delete', '/api/v1/rollouts/{id}', r, asAdmin, 204);
    await call('delete', '/api/v1/experiments/{idOrKey}', p, asAdmin, 204);
  }

  describe('answers', () => {
    it('should match the document on every /api/v1 route of the contract', async () => {
      await walk('v1', 1);
    });

    it('should match the document on the alerts, webhooks and SDK routes', async () => {
      const check = (res: Response, method: string, path: string): void => {
        expect([path, schemaProblems(document, responseSchema(document, method, path, res.status), res.body)]).toEqual([path, []]);
      };
      check(await t.http.get('/api/v1/alerts').set(asAdmin).expect(200), 'get', '/api/v1/alerts');
      const hook = await t.http
        .post('/api/v1/webhooks')
        .set(asAdmin)
        .send({ url: 'http://127.0.0.1:9/hook', events: ['*'] })
        .expect(201);
      check(hook, 'post', '/api/v1/webhooks');
      check(await t.http.get('/api/v1/webhooks').set(asAdmin).expect(200), 'get', '/api/v1/webhooks');
      check(await t.http.get(`/api/v1/webhooks/${hook.body.id}`).set(asAdmin).expect(200), 'get', '/api/v1/webhooks/{id}');
      check(await t.http.post(`/api/v1/webhooks/${hook.body.id}/test`).set(asAdmin).expect(202), 'post', '/api/v1/webhooks/{id}/test');
      check(
        await t.http.get(`/api/v1/webhooks/${hook.body.id}/deliveries`).set(asAdmin).expect(200),
        'get',
        '/api/v1/webhooks/{id}/deliveries',
      );
      check(await t.http.get('/api/v1/sdk/definitions').set(asClient).expect(200), 'get', '/api/v1/sdk/definitions');
      check(await t.http.get('/health').expect(200), 'get', '/health');
    });
  });

  describe('seed-000 paths', () => {
    it('should answer the contract examples under /api/experiments… and /api/experiments/rollouts…, deprecated, with a Link to the successor', async () => {
      await walk('seed-000', 2);
    });

    it('should answer as the successor does, byte for byte', async () => {
      await t.http
        .post('/api/v1/experiments')
        .set(asAdmin)
        .send({ name: 'Same', variants: { a: {}, b: {} }, trafficAllocation: { a: 0.5, b: 0.5 }, successMetric: 'buy' })
        .expect(201);
      for (const [seed, v1] of [
        ['/api/experiments?limit=3', '/api/v1/experiments?limit=3'],
        ['/api/experiments/same', '/api/v1/experiments/same'],
        ['/api/experiments/rollouts', '/api/v1/rollouts'],
      ]) {
        const [a, b] = [await t.http.get(seed).set(asAdmin), await t.http.get(v1).set(asAdmin)];
        expect([seed, a.status, a.text]).toEqual([seed, b.status, b.text]);
      }
    });

    it('should apply the same auth: 401 without a token, 403 for a client token on admin routes, client routes open to clients', async () => {
      expect((await t.http.get('/api/experiments')).body).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
      expect((await t.http.get('/api/experiments/rollouts').set(asClient)).body).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
      expect((await t.http.post('/api/experiments').set(asClient).send({})).status).toBe(403);
      const missing = await t.http.get('/api/experiments/rollouts/check/v404?userId=u').set(asClient);
      expect(missing.body).toMatchObject({ statusCode: 404, code: 'ROLLOUT_NOT_FOUND' });
      expect(missing.headers['deprecation']).toBe('true');
    });

    it('should route /api/experiments/rollouts to the rollouts, not to an experiment keyed "rollouts"', async () => {
      const res = await t.http.get('/api/experiments/rollouts?limit=1').set(asAdmin).expect(200);
      expect(res.body).toMatchObject({ limit: 1, offset: 0 });
      expect(res.headers['link']).toBe('</api/v1/rollouts>; rel="successor-version"');
      // Paths that merely start with the prefix are not aliases.
      expect((await t.http.get('/api/experimentsx').set(asAdmin)).status).toBe(404);
      expect((await t.http.get('/api/experimentsx').set(asAdmin)).headers['deprecation']).toBeUndefined();
    });
  });

  describe('error codes', () => {
    it.each([
      ['an unknown experiment', 'get', '/api/v1/experiments/nope', asAdmin, undefined, 404, 'EXPERIMENT_NOT_FOUND'],
      ['an unknown rollout', 'get', '/api/v1/rollouts/7a1e0c35-0000-4000-8000-000000000000', asAdmin, undefined, 404, 'ROLLOUT_NOT_FOUND'],
      ['an unknown alert', 'get', '/api/v1/alerts/7a1e0c35-0000-4000-8000-000000000000', asAdmin, undefined, 404, 'ALERT_NOT_FOUND'],
      ['an unknown route', 'get', '/api/v1/nothing-here', asAdmin, undefined, 404, 'NOT_FOUND'],
      ['an invalid body', 'post', '/api/v1/experiments', asAdmin, { name: '' }, 400, 'VALIDATION_FAILED'],
      ['no token', 'get', '/api/v1/experiments', {}, undefined, 401, 'UNAUTHORIZED'],
      ['a client token on an admin route', 'get', '/api/v1/experiments', asClient, undefined, 403, 'FORBIDDEN'],
    ] as const)('should answer %s with its code', async (_label, method, url, token, body, status, code) => {
      let request = t.http[method](url).set(token);
      if (body !== undefined) request = request.send(body);
      const res = await request;
      expect(res.status).toBe(status);
      expect(res.body).toMatchObject({ statusCode: status, code, message: expect.any(String) });
    });

    it('should answer an illegal transition with ILLEGAL_TRANSITION, the status and what is allowed', async () => {
      await t.http
        .post('/api/v1/experiments')
        .set(asAdmin)
        .send({ name: 'Illegal', variants: { a: {}, b: {} }, trafficAllocation: { a: 0.5, b: 0.5 }, successMetric: 'buy' })
        .expect(201);
      const res = await t.http.post('/api/v1/experiments/illegal/pause').set(asAdmin);
      expect(res.body).toEqual({
        statusCode: 409,
        error: 'Conflict',
        code: 'ILLEGAL_TRANSITION',
        message: 'cannot go from draft to paused',
        status: 'draft',
        allowed: ['running'],
      });
    });

    it('should give body-parsing errors a code: invalid JSON, wrong content type, too large', async () => {
      const invalid = await t.http.post('/api/v1/experiments').set(asAdmin).set('Content-Type', 'application/json').send('{"name":');
      expect(invalid.body).toMatchObject({ statusCode: 400, code: 'INVALID_JSON' });
      const text = await t.http.post('/api/v1/experiments').set(asAdmin).set('Content-Type', 'application/xml').send('<a/>');
      expect(text.body).toMatchObject({ statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
      const large = await t.http
        .post('/api/v1/experiments')
        .set(asAdmin)
        .send({ name: 'x'.repeat(2 * 1024 * 1024) });
      expect(large.body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    });
  });
});
