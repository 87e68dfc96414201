import OpenAPISchemaValidator from 'openapi-schema-validator';
import { Client } from 'pg';
import { loadConfig } from '../../src/config/app-config';
import { RateLimitGuard } from '../../src/security/rate-limit.guard';
import { ADMIN_TOKEN, asAdmin, asClient, CLIENT_TOKEN, startTestApp, startTestAppWithDatabase, TestApp } from '../support/test-app';

const experimentBody = (name: string, key: string) => ({
  name,
  key,
  variants: [
    { name: 'control', weight: 0.5, config: { color: 'blue' } },
    { name: 'green', weight: 0.5, config: { color: 'green' } },
  ],
  metrics: [{ name: 'purchase', type: 'conversion' }],
  minimumSampleSize: 250,
});

/** Parses the Prometheus text format into `name{labels}` → value. */
function samples(text: string): Map<string, number> {
  const result = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    result.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return result;
}

function expectErrorBody(body: unknown, statusCode: number): void {
  expect(body).toEqual(expect.objectContaining({ statusCode, error: expect.any(String), message: expect.any(String) }));
  expect((body as { message: string }).message.length).toBeGreaterThan(0);
}

describe('Operations', () => {
  let t: TestApp & { db: Client };
  let db: Client;

  beforeAll(async () => {
    t = await startTestAppWithDatabase();
    db = t.db;
  });
  afterAll(async () => {
    await t.close();
  });

  describe('GET /health', () => {
    it('should answer 200 with the contract body and no token', async () => {
      const res = await t.http.get('/health');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok', database: 'up', version: '0.1.0', uptimeSeconds: expect.any(Number) });
      expect(Number.isInteger(res.body.uptimeSeconds)).toBe(true);
      expect(res.body.uptimeSeconds).toBeGreaterThanOrEqual(0);
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('should answer /health/live (no database) and /health/ready (database up) with no token', async () => {
      const live = await t.http.get('/health/live');
      expect({ status: live.status, body: live.body }).toEqual({
        status: 200,
        body: { status: 'ok', version: '0.1.0', uptimeSeconds: expect.any(Number) },
      });
      expect(live.headers['cache-control']).toBe('no-store');
      const ready = await t.http.get('/health/ready');
      expect({ status: ready.status, body: ready.body }).toEqual({
        status: 200,
        body: { status: 'ok', database: 'up', version: '0.1.0', uptimeSeconds: expect.any(Number) },
      });
    });
  });

  describe('GET /metrics', () => {
    it('should expose every series of §8 with its type, labels and current values', async () => {
      expect((await t.http.post('/api/v1/experiments').set(asAdmin).send(experimentBody('Metrics one', 'metrics-one'))).status).toBe(201);
      expect((await t.http.post('/api/v1/experiments').set(asAdmin).send(experimentBody('Metrics two', 'metrics-two'))).status).toBe(201);
      expect((await t.http.post('/api/v1/experiments/metrics-one/start').set(asAdmin)).status).toBe(200);
      const served: Record<string, number> = {};
      for (let i = 0; i < 20; i++) {
        const res = await t.http
          .post('/api/v1/experiments/metrics-one/assign')
          .set(asClient)
          .send({ userId: `user-${i % 10}` });
        expect(res.status).toBe(200);
        served[res.body.variant.name] = (served[res.body.variant.name] ?? 0) + 1;
      }

      const res = await t.http.get('/metrics');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = res.text;
      for (const [name, type] of [
        ['experimentation_experiments_total', 'gauge'],
        ['experimentation_experiments_active', 'gauge'],
        ['experimentation_variant_assignments_total', 'counter'],
        ['experimentation_events_total', 'counter'],
        ['experimentation_significant_results_total', 'counter'],
        ['experimentation_analysis_duration_seconds', 'histogram'],
        ['experimentation_rollout_percentage', 'gauge'],
        ['experimentation_rollout_rollbacks_total', 'counter'],
        ['experimentation_http_request_duration_seconds', 'histogram'],
        ['process_cpu_user_seconds_total', 'counter'],
        ['process_resident_memory_bytes', 'gauge'],
        ['nodejs_eventloop_lag_seconds', 'gauge'],
      ]) {
        expect(text).toContain(`# TYPE ${name} ${type}\n`);
      }

      const values = samples(text);
      // Read from PostgreSQL on scrape: one running, one draft, the other statuses explicitly 0.
      expect(values.get('experimentation_experiments_total{status="draft"}')).toBe(1);
      expect(values.get('experimentation_experiments_total{status="running"}')).toBe(1);
      expect(values.get('experimentation_experiments_total{status="paused"}')).toBe(0);
      expect(values.get('experimentation_experiments_total{status="completed"}')).toBe(0);
      expect(values.get('experimentation_experiments_active')).toBe(1);
      // Every assign answer that served a variant (10 new users, then each of them sticky once).
      for (const [variant, count] of Object.entries(served)) {
        expect(values.get(`experimentation_variant_assignments_total{experiment="metrics-one",variant="${variant}"}`)).toBe(count);
      }
      // Sample size progress: users (not answers) per variant, and the target.
      const users = await db.query<{ variant: string; n: string }>(
        `SELECT variant, count(*) AS n FROM assignments a JOIN experiments e ON e.id = a.experiment_id WHERE e.key = 'metrics-one' GROUP BY variant`,
      );
      expect(users.rows.reduce((sum, row) => sum + Number(row.n), 0)).toBe(10);
      for (const row of users.rows) {
        expect(values.get(`experimentation_experiment_users{experiment="metrics-one",variant="${row.variant}"}`)).toBe(Number(row.n));
      }
      expect(values.get('experimentation_experiment_minimum_sample_size{experiment="metrics-one"}')).toBe(250);
      expect([...values.keys()].some((key) => key.includes('metrics-two'))).toBe(false);
    });

    it('should follow status changes on the next scrape', async () => {
      expect((await t.http.post('/api/v1/experiments/metrics-one/pause').set(asAdmin)).status).toBe(200);
      const values = samples((await t.http.get('/metrics')).text);
      expect(values.get('experimentation_experiments_total{status="running"}')).toBe(0);
      expect(values.get('experimentation_experiments_total{status="paused"}')).toBe(1);
      expect(values.get('experimentation_experiments_active')).toBe(0);
    });

    it('should label request durations by route template, never by raw URL', async () => {
      const marker = 'user-9f3b2c-secret';
      await t.http.get(`/api/v1/experiments/metrics-two/variant?userId=${marker}`).set(asClient);
      await t.http.get(`/api/v1/experiments/${marker}`).set(asAdmin);
      // POST: GET on unknown paths may be answered by the dashboard's single-page fallback.
      await t.http.post(`/no/such/route/${marker}`).set(asAdmin).send({});
      await t.http.post(`/another/unknown/${marker}-2`).send({});

      const text = (await t.http.get('/metrics')).text;
      expect(text).not.toContain(marker);
      const values = samples(text);
      expect(
        values.get(
          'experimentation_http_request_duration_seconds_count{method="GET",route="/api/v1/experiments/:idOrKey/variant",status_code="200"}',
        ),
      ).toBe(1);
      expect(
        values.get(
          'experimentation_http_request_duration_seconds_count{method="GET",route="/api/v1/experiments/:idOrKey",status_code="404"}',
        ),
      ).toBe(1);
      // Every unknown path shares one label, so scanners cannot grow the series count.
      expect(values.get('experimentation_http_request_duration_seconds_count{method="POST",route="unmatched",status_code="404"}')).toBe(2);
      const routes = new Set(
        [...text.matchAll(/experimentation_http_request_duration_seconds_count\{[^}]*route="([^"]*)"/g)].map((m) => m[1]),
      );
      for (const route of routes) expect(route === 'unmatched' || route.startsWith('/')).toBe(true);
    });

    it('should report rollout percentages as PostgreSQL has them, whichever replica changed them', async () => {
      const created = await t.http
        .post('/api/v1/rollouts')
        .set(asAdmin)
        .send({
          name: 'ranker-v2',
          modelVersion: 'v2.0.0',
          schedule: {
            stages: [
              { percentage: 5, durationHours: 1 },
              { percentage: 100, durationHours: 1 },
            ],
          },
        });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      expect((await t.http.post(`/api/v1/rollouts/${id}/start`).set(asAdmin)).status).toBe(200);
      const series = 'experimentation_rollout_percentage{rollout="ranker-v2",model_version="v2.0.0"}';
      expect(samples((await t.http.get('/metrics')).text).get(series)).toBe(5);

      // What another replica's scheduler would have written: this replica never saw the change.
      await db.query(`UPDATE rollouts SET percentage = 37.5 WHERE id = $1`, [id]);
      expect(samples((await t.http.get('/metrics')).text).get(series)).toBe(37.5);

      expect((await t.http.post(`/api/v1/rollouts/${id}/rollback`).set(asAdmin).send({ reason: 'metrics test' })).status).toBe(200);
      const values = samples((await t.http.get('/metrics')).text);
      expect(values.get(series)).toBe(0);
      expect(values.get('experimentation_rollout_rollbacks_total{trigger="manual"}')).toBe(1);
    });

    it('should need no token even when tokens are configured', async () => {
      expect((await t.http.get('/metrics')).status).toBe(200);
      expect((await t.http.get('/metrics').set({ Authorization: 'Bearer wrong-token-123' })).status).toBe(200);
    });
  });

  describe('GET /docs and /docs-json', () => {
    it('should serve a valid OpenAPI 3 document without a token', async () => {
      const res = await t.http.get('/docs-json');
      expect(res.status).toBe(200);
      expect(res.body.openapi).toMatch(/^3\.0\./);
      expect(res.body.info).toMatchObject({ title: 'Experimentation service', version: '0.1.0' });
      // The official OpenAPI 3.0 JSON schema.
      const { errors } = new OpenAPISchemaValidator({ version: 3 }).validate(res.body);
      expect(errors).toEqual([]);
      // The schema cannot see dangling references: every $ref must name an existing component.
      const refs = [...JSON.stringify(res.body).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]);
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of new Set(refs)) expect({ ref, defined: ref in res.body.components.schemas }).toEqual({ ref, defined: true });
      // Every path parameter is declared on its operations.
      for (const [path, operations] of Object.entries(
        res.body.paths as Record<string, Record<string, { parameters?: { in: string; name: string }[] }>>,
      )) {
        const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
        for (const [method, operation] of Object.entries(operations)) {
          const declared = (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
          expect({ path, method, declared: declared.sort() }).toEqual({ path, method, declared: [...names].sort() });
        }
      }
    });

    it('should document every API route with a summary and the bearer scheme', async () => {
      const document = (await t.http.get('/docs-json')).body as {
        paths: Record<string, Record<string, { summary?: string; security?: unknown[] }>>;
        components: { securitySchemes: Record<string, unknown> };
      };
      expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      const paths = Object.keys(document.paths);
      for (const path of [
        '/health',
        '/health/live',
        '/health/ready',
        '/metrics',
        '/api/v1/experiments',
        '/api/v1/experiments/{idOrKey}',
        '/api/v1/experiments/{idOrKey}/status',
        '/api/v1/experiments/{idOrKey}/assign',
        '/api/v1/experiments/{idOrKey}/variant',
        '/api/v1/decide',
      ]) {
        expect(paths).toContain(path);
      }
      for (const [path, operations] of Object.entries(document.paths)) {
        for (const [method, operation] of Object.entries(operations)) {
          expect({ path, method, summary: typeof operation.summary === 'string' && operation.summary.length > 0 }).toEqual({
            path,
            method,
            summary: true,
          });
          if (path.startsWith('/api/')) {
            expect({ path, method, security: operation.security }).toEqual({ path, method, security: [{ bearer: [] }] });
            // The contract's error body, 429 with Retry-After and 503 are documented on every API route.
            const responses = (operation as { responses: Record<string, { content?: unknown; headers?: Record<string, unknown> }> })
              .responses;
            for (const code of ['4XX', '429', '503']) {
              expect({ path, method, code, content: responses[code]?.content }).toEqual({
                path,
                method,
                code,
                content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } },
              });
            }
            expect(responses['429'].headers).toHaveProperty('Retry-After');
          }
        }
      }
    });

    it('should serve Swagger UI whose every asset loads under the CSP', async () => {
      const page = await t.http.get('/docs');
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      const csp = page.headers['content-security-policy'];
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('upgrade-insecure-requests');
      // No inline scripts (the CSP forbids them): every script is a file from this origin.
      expect(page.text).not.toMatch(/<script>(?!<\/script>)/);
      const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
      expect(assets.length).toBeGreaterThanOrEqual(4);
      for (const asset of assets) {
        const url = new URL(asset, 'http://service/docs').pathname;
        const res = await t.http.get(url);
        expect({ url, status: res.status }).toEqual({ url, status: 200 });
      }
      const init = await t.http.get('/docs/swagger-ui-init.js');
      expect(init.headers['content-type']).toMatch(/^application\/javascript/);
      expect(init.text).toContain("'/docs-json'");
      expect((await t.http.get('/docs/')).status).toBe(200);
      expect((await t.http.get('/docs/package.json')).status).toBe(404);
      expect((await t.http.get('/docs/..%2f..%2fpackage.json')).status).toBe(404);
    });
  });

  describe('security headers', () => {
    it('should send helmet headers on API responses and errors alike', async () => {
      for (const res of [await t.http.get('/api/v1/experiments').set(asAdmin), await t.http.get('/api/v1/experiments')]) {
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['x-frame-options']).toBe('DENY');
        expect(res.headers['content-security-policy']).toContain("default-src 'self'");
        expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
        expect(res.headers['referrer-policy']).toBe('no-referrer');
        expect(res.headers['x-powered-by']).toBeUndefined();
      }
    });

    it('should send no CORS headers when CORS_ORIGINS is unset', async () => {
      const res = await t.http
        .options('/api/v1/experiments')
        .set({ Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST' });
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  describe('request hardening', () => {
    const count = async (): Promise<number> => Number((await db.query('SELECT count(*) FROM experiments')).rows[0].count);
    const raw = (url: string, payload: string) => t.http.post(url).set(asAdmin).set('Content-Type', 'application/json').send(payload);

    it('should refuse JSON nested deeper than 64 levels with 400 instead of overflowing the stack', async () => {
      const before = await count();
      const deep = '['.repeat(3000) + ']'.repeat(3000);
      const res = await raw('/api/v1/experiments', `{"name":"Deep","variants":${deep},"metrics":[]}`);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        code: 'INVALID_JSON',
        message: 'Request body is nested more than 64 levels deep',
      });
      // 64 levels are fine: a nested experiment config is stored as sent.
      const config = JSON.parse('{"a":'.repeat(60) + '1' + '}'.repeat(60));
      const ok = await t.http
        .post('/api/v1/experiments')
        .set(asAdmin)
        .send({
          ...experimentBody('Nested config', 'nested-config'),
          variants: [
            { name: 'control', weight: 0.5, config },
            { name: 'b', weight: 0.5 },
          ],
        });
      expect(ok.status).toBe(201);
      expect(await count()).toBe(before + 1);
    });

    it.each(['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', '__defineGetter__'])(
      'should refuse a body with a "%s" key anywhere and write nothing',
      async (key) => {
        const before = await count();
        const body = JSON.stringify({
          ...experimentBody(`Polluted ${key}`, `polluted-${key.replace(/_/g, '').toLowerCase()}`),
          variants: [],
        }).replace('"variants":[]', `"variants":[{"name":"control","weight":0.5,"${key}":{"isAdmin":true}},{"name":"b","weight":0.5}]`);
        const res = await raw('/api/v1/experiments', body);
        expect(res.status).toBe(400);
        expectErrorBody(res.body, 400);
        expect(await count()).toBe(before);
        expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
      },
    );

    it('should answer an over-long path parameter with 414 and a consistent error body', async () => {
      // POST: GET paths may also match the dashboard's catch-all route, which has no parameter.
      const res = await t.http
        .post(`/api/v1/experiments/${'k'.repeat(600)}/assign`)
        .set(asClient)
        .send({ userId: 'u-1' });
      expect(res.status).toBe(414);
      expect(res.body).toEqual({
        statusCode: 414,
        error: 'URI Too Long',
        code: 'URI_TOO_LONG',
        message: 'A path parameter is longer than 500 characters',
      });
    });

    it('should answer malformed percent-encoding in the path with 400 and the error body', async () => {
      const res = await t.http.get('/api/v1/experiments/%E0%A4%A').set(asAdmin);
      expect(res.status).toBe(400);
      expectErrorBody(res.body, 400);
    });
  });

  describe('body limits', () => {
    it('should answer 413 with the error body above 1 MiB and write nothing', async () => {
      const before = Number((await db.query('SELECT count(*) FROM experiments')).rows[0].count);
      const body = { ...experimentBody('Too big', 'too-big'), description: 'x'.repeat(1024 * 1024) };
      const res = await t.http.post('/api/v1/experiments').set(asAdmin).send(body);
      expect(res.status).toBe(413);
      expectErrorBody(res.body, 413);
      expect(res.body.error).toBe('Payload Too Large');
      expect(Number((await db.query('SELECT count(*) FROM experiments')).rows[0].count)).toBe(before);
    });

    it('should accept up to 1 MiB on ordinary routes', async () => {
      // Just under the limit: parsed and then refused by validation (description ≤ 10,000), not by size.
      const body = { ...experimentBody('Big but fine', 'big-but-fine'), hypothesis: 'y'.repeat(1024 * 1024 - 2000) };
      const res = await t.http.post('/api/v1/experiments').set(asAdmin).send(body);
      expect(res.status).toBe(400);
      expectErrorBody(res.body, 400);
    });

    it('should allow 10 MiB on POST /api/v1/events/batch and refuse more with 413', async () => {
      const events = Array.from({ length: 9000 }, (_, i) => ({
        experiment: 'metrics-one',
        userId: `user-${i % 10}`,
        eventName: 'purchase',
        properties: { pad: 'p'.repeat(200) },
      }));
      const big = await t.http.post('/api/v1/events/batch').set(asClient).send({ events });
      expect(JSON.stringify({ events }).length).toBeGreaterThan(2 * 1024 * 1024);
      expect(big.status).not.toBe(413);
      expect(big.status).toBeLessThan(500);

      const tooBig = await t.http
        .post('/api/v1/events/batch')
        .set(asClient)
        .set('Content-Type', 'application/json')
        .send(`{"events":[],"pad":"${'z'.repeat(10 * 1024 * 1024)}"}`);
      expect(tooBig.status).toBe(413);
      expectErrorBody(tooBig.body, 413);
    });

    it('should allow 10 MiB on POST /api/v1/rollouts/:id/observations and refuse more with 413', async () => {
      const pad = 'o'.repeat(2 * 1024 * 1024);
      const big = await t.http
        .post('/api/v1/rollouts/00000000-0000-4000-8000-000000000000/observations')
        .set(asClient)
        .set('Content-Type', 'application/json')
        .send(`{"observations":[],"pad":"${pad}"}`);
      expect(big.status).not.toBe(413);
      expect(big.status).toBeLessThan(500);
      const tooBig = await t.http
        .post('/api/v1/rollouts/00000000-0000-4000-8000-000000000000/observations')
        .set(asClient)
        .set('Content-Type', 'application/json')
        .send(`{"observations":[],"pad":"${'o'.repeat(10 * 1024 * 1024)}"}`);
      expect(tooBig.status).toBe(413);
      expectErrorBody(tooBig.body, 413);
    });
  });
});

describe('Rate limiting', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '5', TRUST_PROXY: 'loopback' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('should answer 429 with Retry-After and the error body after RATE_LIMIT_PER_MINUTE requests of one token', async () => {
    const statuses = [];
    // Different routes share one budget per caller.
    for (let i = 0; i < 5; i++) {
      const res = await t.http.get(i % 2 === 0 ? '/api/v1/experiments' : '/api/v1/experiments/nope').set(asAdmin);
      statuses.push(res.status);
      expect(res.headers['x-ratelimit-limit']).toBe('5');
    }
    expect(statuses).toEqual([200, 404, 200, 404, 200]);

    const limited = await t.http.post('/api/v1/experiments').set(asAdmin).send(experimentBody('Limited', 'limited'));
    expect(limited.status).toBe(429);
    expectErrorBody(limited.body, 429);
    expect(limited.body.error).toBe('Too Many Requests');
    expect(limited.body.code).toBe('RATE_LIMITED');
    const retryAfter = Number(limited.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it('should count each token separately and keep only a hash of it', async () => {
    const res = await t.http.get('/api/v1/experiments/whatever/variant?userId=u-1').set(asClient);
    expect(res.status).toBe(404);
    const keys = t.app.get(RateLimitGuard).limiter.callers();
    expect(keys.length).toBeGreaterThanOrEqual(2);
    for (const key of keys) {
      expect(key).not.toContain(ADMIN_TOKEN);
      expect(key).not.toContain(CLIENT_TOKEN);
      expect(key).toMatch(/^(token:[0-9a-f]{64}|ip:.+)$/);
    }
  });

  it('should key requests without a token by IP', async () => {
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await t.http.get('/api/v1/experiments').set('X-Forwarded-For', '203.0.113.7')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    // Another client IP has its own budget.
    expect((await t.http.get('/api/v1/experiments').set('X-Forwarded-For', '203.0.113.8')).status).toBe(401);
  });

  it('should never limit /health, /metrics or /docs', async () => {
    const ip = { 'X-Forwarded-For': '198.51.100.20' };
    for (let i = 0; i < 5; i++) await t.http.get('/api/v1/experiments').set(ip);
    expect((await t.http.get('/api/v1/experiments').set(ip)).status).toBe(429);
    for (let i = 0; i < 8; i++) {
      expect((await t.http.get('/health').set(ip)).status).toBe(200);
      expect((await t.http.get('/metrics').set(ip)).status).toBe(200);
      expect((await t.http.get('/docs-json').set(ip)).status).toBe(200);
      expect((await t.http.get('/docs').set(ip)).status).toBe(200);
    }
  });
});

describe('CORS', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('should answer a preflight from a listed origin', async () => {
    const res = await t.http.options('/api/v1/experiments').set({
      Origin: 'https://app.example.com',
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'authorization,content-type',
    });
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(res.headers['access-control-allow-headers']).toMatch(/Authorization/);
    expect(res.headers['access-control-allow-methods']).toMatch(/PATCH/);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('should expose Retry-After to the browser on real responses', async () => {
    const res = await t.http.get('/api/v1/experiments').set(asAdmin).set('Origin', 'http://localhost:5173');
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(res.headers['access-control-expose-headers']).toMatch(/Retry-After/);
  });

  it('should not allow an unlisted origin', async () => {
    const res = await t.http
      .options('/api/v1/experiments')
      .set({ Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('should refuse a malformed CORS_ORIGINS at boot', () => {
    expect(() => loadConfig({ CORS_ORIGINS: 'app.example.com' })).toThrow(/CORS_ORIGINS must be \* or comma-separated origins/);
    expect(() => loadConfig({ CORS_ORIGINS: 'https://app.example.com/path' })).toThrow(/CORS_ORIGINS/);
    expect(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins).toBe(true);
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example:8443,http://b.example' }).corsOrigins).toEqual([
      'https://a.example:8443',
      'http://b.example',
    ]);
  });
});
