import * as net from 'node:net';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { ExposureBufferService } from '../../src/assignments/exposure-buffer.service';
import { KnownAssignments } from '../../src/assignments/known-assignments';
import { AuthGuard } from '../../src/common/auth/auth.guard';
import { ConfigError, loadConfig } from '../../src/config/app-config';
import { RateLimitGuard } from '../../src/security/rate-limit.guard';
import { asAdmin, startTestApp, startTestAppWithDatabase, TestApp } from '../support/test-app';

// Issue 13 item 2 and the "Also bounded" items that live at the HTTP edge (docs/security.md).

/** Creates a two-variant experiment with one conversion metric and starts it; its id. */
async function startExperiment(t: TestApp, key: string): Promise<string> {
  const res = await t.http
    .post('/api/v1/experiments')
    .set(asAdmin)
    .send({
      name: key,
      key,
      variants: [
        { name: 'control', weight: 0.5, config: {} },
        { name: 'green', weight: 0.5, config: {} },
      ],
      metrics: [{ name: 'purchase', type: 'conversion', role: 'primary' }],
    })
    .expect(201);
  await t.http.post(`/api/v1/experiments/${key}/start`).set(asAdmin).expect(200);
  return res.body.id as string;
}

describe('TRUST_PROXY', () => {
  it('should parse off, true, a hop count and lists of addresses / CIDRs, and refuse anything else', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1,loopback' }).trustProxy).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
      '::1',
      'loopback',
    ]);
    for (const bad of ['0', '33', 'proxy.example.com', '10.0.0.0/99', '300.1.1.1']) {
      expect(() => loadConfig({ TRUST_PROXY: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ TRUST_PROXY: bad })).toThrow(/TRUST_PROXY/);
    }
  });
});

describe('Rate limiter and failed authentication, default TRUST_PROXY (off)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '5', AUTH_FAILURES_PER_MINUTE: '1000' });
  });
  afterAll(() => t.close());

  it('should key callers without a token by the socket address, ignoring X-Forwarded-For', async () => {
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await t.http.get('/api/v1/experiments').set('X-Forwarded-For', `203.0.113.${i}`)).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    expect(
      t.app
        .get(RateLimitGuard)
        .limiter.callers()
        .filter((key) => key.startsWith('ip:')),
    ).toEqual(['ip:127.0.0.1']);
  });
});

describe('Rate limiter state under hostile keys (TRUST_PROXY=true)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ TRUST_PROXY: 'true', RATE_LIMIT_PER_MINUTE: '5', AUTH_FAILURES_PER_MINUTE: '1000000' });
  });
  afterAll(() => t.close());

  it('should keep bounded, hashed keys for 2,000 different 16 KB X-Forwarded-For values and random tokens', async () => {
    const fastify = t.app.getHttpAdapter().getInstance();
    const pad = 'f'.repeat(16 * 1024);
    for (let i = 0; i < 2000; i++) {
      const headers: Record<string, string> =
        i % 2 === 0 ? { 'x-forwarded-for': `${i}${pad}` } : { authorization: `Bearer guess-${i}-${pad.slice(0, 100)}` };
      const res = await fastify.inject({ method: 'GET', url: '/api/v1/experiments', headers });
      expect(res.statusCode).toBe(401);
    }
    const limiter = t.app.get(RateLimitGuard).limiter;
    expect(limiter.size.entries).toBe(2000);
    // Before: 1,000 keys of 16 KB each (≥ 16 MB of key text alone). Now every key is ≤ 80 characters.
    expect(Math.max(...limiter.callers().map((key) => key.length))).toBeLessThanOrEqual(80);
    expect(limiter.size.bytes).toBeLessThan(2000 * 400);
    expect(limiter.size.bytes).toBeLessThanOrEqual(limiter.maxBytes);
  });
});

describe('Failed authentication is throttled per client address', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ TRUST_PROXY: 'loopback', AUTH_FAILURES_PER_MINUTE: '3' });
  });
  afterAll(() => t.close());

  it('should answer 429 with Retry-After once an address has failed AUTH_FAILURES_PER_MINUTE times, whatever tokens it tries', async () => {
    const from = { 'X-Forwarded-For': '198.51.100.1' };
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await t.http.get('/api/v1/experiments').set(from).set('Authorization', `Bearer random-guess-${i}`)).status);
    }
    expect(statuses).toEqual([401, 401, 401]);
    const refused = await t.http.get('/api/v1/experiments').set(from);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Even the right token is refused from that address until its minute is over (no guessing oracle)…
    expect((await t.http.get('/api/v1/experiments').set(from).set(asAdmin)).status).toBe(429);
    // …while another address is unaffected.
    expect((await t.http.get('/api/v1/experiments').set('X-Forwarded-For', '198.51.100.2').set(asAdmin)).status).toBe(200);
    expect(t.app.get(AuthGuard).failures.callers()).toEqual(['198.51.100.1']);
  });

  it('should never throttle public routes', async () => {
    const from = { 'X-Forwarded-For': '198.51.100.1' };
    expect((await t.http.get('/health').set(from)).status).toBe(200);
  });
});

describe('X-Request-Id and slow bodies', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await startTestApp({ REQUEST_TIMEOUT_SECONDS: '2' });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as net.AddressInfo).port;
  });
  afterAll(() => t.close());

  it('should keep a short plain X-Request-Id and replace a long or odd one', async () => {
    expect((await t.http.get('/health').set('X-Request-Id', 'abc-123_x.Y')).headers['x-request-id']).toBe('abc-123_x.Y');
    for (const bad of ['r'.repeat(65), 'has space', 'semi;colon', '\u00e9t\u00e9']) {
      const id = (await t.http.get('/health').set('X-Request-Id', encodeURI(bad) === bad ? bad : 'x%y')).headers['x-request-id'];
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('should cut off a body trickled a byte at a time after REQUEST_TIMEOUT_SECONDS', async () => {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      `POST /api/v1/experiments HTTP/1.1\r\nHost: x\r\nAuthorization: ${asAdmin.Authorization}\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n`,
    );
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    const trickle = setInterval(() => socket.writable && socket.write('a'), 200);
    const closed = await new Promise<boolean>((resolve) => {
      socket.once('close', () => resolve(true));
      setTimeout(() => resolve(false), 20_000);
    });
    clearInterval(trickle);
    socket.destroy();
    expect(closed).toBe(true);
    expect(received).toMatch(/^HTTP\/1\.1 408/);
  }, 30_000);
});

describe('Ingest bounds: timestamps, values, lone surrogates', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await t.http
      .post('/api/v1/experiments')
      .set(asAdmin)
      .send({
        name: 'bounds',
        key: 'bounds',
        variants: [
          { name: 'control', weight: 0.5, config: {} },
          { name: 'green', weight: 0.5, config: {} },
        ],
        metrics: [
          { name: 'purchase', type: 'conversion', role: 'primary' },
          { name: 'revenue', type: 'mean', role: 'secondary' },
        ],
      })
      .expect(201);
    await t.http.post('/api/v1/experiments/bounds/start').set(asAdmin).expect(200);
    await t.http.post('/api/v1/experiments/bounds/assign').set(asAdmin).send({ userId: 'u-1' }).expect(200);
  });
  afterAll(() => t.close());

  const track = (body: Record<string, unknown>) =>
    t.http
      .post('/api/v1/experiments/bounds/track')
      .set(asAdmin)
      .send({ userId: 'u-1', ...body });

  it('should refuse value 1e155 with a 400 naming the field, and /results keeps answering', async () => {
    const res = await track({ eventName: 'revenue', value: 1e155 });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('value must be between -1e12 and 1e12');
    expect((await track({ eventName: 'revenue', value: 1e12 })).status).toBe(202);
    expect((await track({ eventName: 'revenue', value: -1e12 })).status).toBe(202);
    expect((await t.http.get('/api/v1/experiments/bounds/results').set(asAdmin)).status).toBe(200);
    expect((await t.http.get('/api/v1/experiments/bounds/metrics').set(asAdmin)).status).toBe(200);
  });

  it('should refuse timestamps older than EVENT_BACKFILL_DAYS (year 0001 was accepted) with a 400 naming the field', async () => {
    for (const timestamp of ['0001-01-01T00:00:00Z', new Date(Date.now() - 91 * 86_400_000).toISOString()]) {
      const res = await track({ eventName: 'purchase', timestamp });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toContain('timestamp must not be more than 90 days in the past');
    }
    expect((await track({ eventName: 'purchase', timestamp: new Date(Date.now() - 89 * 86_400_000).toISOString() })).status).toBe(202);
  });

  it('should reject such events one by one in a batch', async () => {
    const res = await t.http
      .post('/api/v1/events/batch')
      .set(asAdmin)
      .send({
        events: [
          { experiment: 'bounds', userId: 'u-1', eventName: 'revenue', value: 1e155 },
          { experiment: 'bounds', userId: 'u-1', eventName: 'purchase', timestamp: '0001-01-01T00:00:00Z' },
          { experiment: 'bounds', userId: 'u-1', eventName: 'purchase' },
        ],
      });
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(1);
    expect(res.body.rejected.map((r: { index: number }) => r.index)).toEqual([0, 1]);
  });

  it('should resolve the experiments a batch names with ONE query and cap them at 100 distinct', async () => {
    const manager = t.app.get(DataSource).manager;
    const spy = jest.spyOn(manager, 'createQueryBuilder');
    try {
      const events = [
        { experiment: 'bounds', userId: 'u-1', eventName: 'purchase' },
        ...Array.from({ length: 1000 }, (_, i) => ({ experiment: `unknown-${i}`, userId: 'u-1', eventName: 'purchase' })),
      ];
      const res = await t.http.post('/api/v1/events/batch').set(asAdmin).send({ events });
      expect(res.status).toBe(200);
      expect(res.body.accepted).toBe(1);
      const errors: string[] = res.body.rejected.map((r: { error: string }) => r.error);
      expect(errors.filter((e) => /^Experiment unknown-\d+ not found$/.test(e))).toHaveLength(99);
      expect(errors.filter((e) => e.includes('more than 100 distinct experiments in one batch'))).toHaveLength(901);
      // Before: one lookup per distinct name (1,001 statements).
      expect(spy.mock.calls.length).toBeLessThanOrEqual(2);
    } finally {
      spy.mockRestore();
    }
  });

  it('should refuse ids with a lone UTF-16 surrogate (they collapsed to U+FFFD and collided)', async () => {
    for (const body of ['{"userId":"a\\ud800"}', '{"userId":"a\\udfff"}']) {
      const res = await t.http.post('/api/v1/experiments/bounds/assign').set(asAdmin).set('Content-Type', 'application/json').send(body);
      expect(res.status).toBe(400);
      expect(res.body.message).toContain('unpaired UTF-16 surrogate');
    }
    const batch = await t.http
      .post('/api/v1/events/batch')
      .set(asAdmin)
      .set('Content-Type', 'application/json')
      .send('{"events":[{"experiment":"bounds","userId":"u-1\\udc00","eventName":"purchase"}]}');
    expect(batch.status).toBe(400);
    // A well-formed pair is fine.
    expect((await t.http.post('/api/v1/experiments/bounds/assign').set(asAdmin).send({ userId: 'u-\uD83D\uDE00' })).status).toBe(200);
  });
});

describe('Swagger UI', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('should not persist the token typed into "Authorize" (localStorage outlives the tab)', async () => {
    const init = await t.http.get('/docs/swagger-ui-init.js');
    expect(init.status).toBe(200);
    expect(init.text).toContain('persistAuthorization: false');
    expect(init.text).not.toContain('persistAuthorization: true');
  });
});

describe('USER_CACHE_MB', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ USER_CACHE_MB: '1' });
  });
  afterAll(() => t.close());

  it('should give the known-assignments LRU and the exposure buffer one budget, used by assign and decide', async () => {
    await t.http
      .post('/api/v1/experiments')
      .set(asAdmin)
      .send({
        name: 'cache',
        key: 'cache',
        variants: [
          { name: 'control', weight: 0.5, config: {} },
          { name: 'green', weight: 0.5, config: {} },
        ],
        metrics: [{ name: 'purchase', type: 'conversion', role: 'primary' }],
      })
      .expect(201);
    await t.http.post('/api/v1/experiments/cache/start').set(asAdmin).expect(200);
    for (let i = 0; i < 20; i++)
      await t.http
        .post('/api/v1/experiments/cache/assign')
        .set(asAdmin)
        .send({ userId: `u-${i}` })
        .expect(200);
    for (let i = 0; i < 20; i++)
      await t.http
        .post('/api/v1/experiments/cache/assign')
        .set(asAdmin)
        .send({ userId: `u-${i}` })
        .expect(200);
    const known = t.app.get(KnownAssignments).size;
    const buffer = t.app.get(ExposureBufferService);
    expect(known.entries).toBe(20);
    expect(known.maxBytes + buffer.maxBytes).toBeLessThanOrEqual(1024 * 1024);
    expect(buffer.size.bytes).toBeLessThanOrEqual(buffer.maxBytes);
  });

  it('should keep the known assignments within the budget under /decide with random ids (was 200,000 per experiment)', async () => {
    for (const key of ['cache-2', 'cache-3']) await startExperiment(t, key);
    const fastify = t.app.getHttpAdapter().getInstance();
    for (let i = 0; i < 1200; i += 20) {
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, j) =>
          fastify.inject({
            method: 'POST',
            url: '/api/v1/decide',
            headers: { ...asAdmin, 'content-type': 'application/json' },
            payload: { userId: `random-${i + j}-${'r'.repeat(60)}` },
          }),
        ),
      );
      expect(answers.every((a) => a.statusCode === 200)).toBe(true);
    }
    const known = t.app.get(KnownAssignments).size;
    // 3,600 (experiment, user) pairs seen; the 512 KiB half of USER_CACHE_MB=1 holds fewer.
    expect(known.bytes).toBeLessThanOrEqual(known.maxBytes);
    expect(known.maxBytes).toBe(512 * 1024);
    expect(known.entries).toBeGreaterThan(500);
    expect(known.entries).toBeLessThan(3600);
  }, 120_000);
});

describe('Deleting a large experiment', () => {
  let t: TestApp & { db: Client };
  beforeAll(async () => {
    t = await startTestAppWithDatabase();
  });
  afterAll(() => t.close());

  const create = (key: string) => startExperiment(t, key);

  it("should not stall other experiments' inserts while its 300,000 events go (batches, no long lock)", async () => {
    const big = await create('big');
    await create('other');
    await t.http.post('/api/v1/experiments/other/assign').set(asAdmin).send({ userId: 'o-1' }).expect(200);
    await t.http.post('/api/v1/experiments/big/assign').set(asAdmin).send({ userId: 'b-0' }).expect(200);
    await t.http.post('/api/v1/experiments/big/pause').set(asAdmin).expect(200);
    await t.db.query(
      `INSERT INTO assignments (experiment_id, user_id, variant, assigned_at)
       SELECT $1, 'u-' || u, CASE WHEN u % 2 = 0 THEN 'control' ELSE 'green' END, now() FROM generate_series(1, 300000) AS u`,
      [big],
    );
    await t.db.query(
      `INSERT INTO events (experiment_id, user_id, variant, event_name, value, occurred_at)
       SELECT $1, 'u-' || u, CASE WHEN u % 2 = 0 THEN 'control' ELSE 'green' END, 'purchase', 1, now() FROM generate_series(1, 300000) AS u`,
      [big],
    );

    let done = false;
    const started = Date.now();
    const deletion = t.http
      .delete('/api/v1/experiments/big')
      .set(asAdmin)
      .then((res) => {
        done = true;
        return { status: res.status, ms: Date.now() - started };
      });
    const latencies: number[] = [];
    let i = 0;
    while (!done) {
      const t0 = Date.now();
      // One statement for both experiments' events, as the micro-batcher shares them.
      const res = await t.http
        .post('/api/v1/events/batch')
        .set(asAdmin)
        .send({
          events: [
            { experiment: 'other', userId: 'o-1', eventName: 'purchase', eventId: `o-${i}` },
            { experiment: 'big', userId: 'b-0', eventName: 'purchase', eventId: `b-${i++}` },
          ],
        });
      expect({ status: res.status, body: res.status === 200 ? null : res.body }).toEqual({ status: 200, body: null });
      latencies.push(Date.now() - t0);
    }
    const { status, ms } = await deletion;
    expect(status).toBe(204);
    process.stdout.write(
      `delete of 300,000 assignments + 300,000 events: ${ms} ms; ${latencies.length} batches meanwhile, slowest ${Math.max(...latencies)} ms\n`,
    );
    expect(Math.max(...latencies)).toBeLessThan(1000);
    expect((await t.db.query('SELECT count(*)::int AS n FROM events WHERE experiment_id = $1', [big])).rows[0].n).toBe(0);
    expect((await t.http.get('/api/v1/experiments/big').set(asAdmin)).status).toBe(404);
  }, 120_000);
});
