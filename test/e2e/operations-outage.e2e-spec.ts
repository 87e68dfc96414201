import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { runMigrations } from '../../src/database/migrate';
import { asAdmin, asClient, startTestApp, TestApp } from '../support/test-app';
import { PostgresServer } from '../support/postgres-server';
import { createTestDatabase } from '../support/test-database';

/** Stands between the app and PostgreSQL; in black-hole mode it accepts connections and never answers. */
class TcpProxy {
  private mode: 'forward' | 'blackhole' = 'forward';
  private readonly sockets = new Set<net.Socket>();
  private readonly server: net.Server;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {
    this.server = net.createServer((client) => {
      this.track(client);
      if (this.mode === 'blackhole') return;
      const upstream = net.connect(this.targetPort, this.targetHost);
      this.track(upstream);
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  /** Drops every open connection; new ones are accepted and then ignored (a partitioned network). */
  blackhole(): void {
    this.mode = 'blackhole';
    for (const socket of this.sockets) socket.destroy();
  }

  forward(): void {
    this.mode = 'forward';
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

async function timed<T>(work: Promise<T>): Promise<{ result: T; ms: number }> {
  const started = Date.now();
  const result = await work;
  return { result, ms: Date.now() - started };
}

async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

const experimentBody = (name: string) => ({
  name,
  variants: [
    { name: 'control', weight: 0.5 },
    { name: 'treatment', weight: 0.5 },
  ],
  metrics: [{ name: 'purchase', type: 'conversion' }],
});

function expectUnavailable(res: { status: number; body: unknown; headers: Record<string, string> }): void {
  expect({ status: res.status, body: res.body }).toEqual({
    status: 503,
    body: expect.objectContaining({ statusCode: 503, error: 'Service Unavailable', message: expect.any(String) }),
  });
  expect(res.headers['retry-after']).toBeDefined();
}

describe('Health during a database outage', () => {
  describe('PostgreSQL stopped and started again', () => {
    let dataDir: string;
    let pg: PostgresServer;
    let t: TestApp;

    beforeAll(async () => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'experimentation-outage-'));
      pg = await PostgresServer.launch(dataDir);
      await runMigrations(pg.url);
      t = await startTestApp({}, { databaseUrl: pg.url });
    }, 120_000);

    afterAll(async () => {
      await t?.close();
      await pg?.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }, 60_000);

    it('should be up while PostgreSQL runs', async () => {
      const res = await t.http.get('/health');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'ok', database: 'up' });
      expect((await t.http.get('/health/ready')).body).toMatchObject({ status: 'ok', database: 'up' });
      expect((await t.http.get('/health/live')).body).toMatchObject({ status: 'ok' });
      expect((await t.http.post('/api/v1/experiments').set(asAdmin).send(experimentBody('Before outage'))).status).toBe(201);
      expect((await t.http.post('/api/v1/experiments/before-outage/start').set(asAdmin)).status).toBe(200);
      expect((await t.http.get('/metrics')).text).toContain('experimentation_experiments_total{status="running"} 1');
    });

    it('should answer 503 quickly, never 500 and never hang, while PostgreSQL is stopped', async () => {
      await pg.command('stop');

      const health = await timed(t.http.get('/health'));
      expect(health.result.status).toBe(503);
      expect(health.result.body).toEqual({ status: 'error', database: 'down' });
      expect(health.ms).toBeLessThan(2000);
      // Readiness fails with it (out of the load balancer); liveness does not (no restart for a blip).
      const ready = await timed(t.http.get('/health/ready'));
      expect({ status: ready.result.status, body: ready.result.body }).toEqual({
        status: 503,
        body: { status: 'error', database: 'down' },
      });
      expect(ready.result.headers['retry-after']).toBe('5');
      expect(ready.ms).toBeLessThan(2000);
      const live = await timed(t.http.get('/health/live'));
      expect({ status: live.result.status, body: live.result.body }).toEqual({
        status: 200,
        body: { status: 'ok', version: expect.any(String), uptimeSeconds: expect.any(Number) },
      });
      expect(live.ms).toBeLessThan(500);

      // A burst of real API calls of every kind, all at once: each is a 503 with the error body.
      const started = Date.now();
      const responses = await Promise.all([
        t.http.get('/api/v1/experiments').set(asAdmin),
        t.http.get('/api/v1/experiments/before-outage/history').set(asAdmin),
        t.http.post('/api/v1/experiments').set(asAdmin).send(experimentBody('During outage')),
        t.http.post('/api/v1/experiments/before-outage/assign').set(asClient).send({ userId: 'new-user' }),
        t.http.post('/api/v1/decide').set(asClient).send({ userId: 'new-user' }),
        ...Array.from({ length: 10 }, () => t.http.get('/health')),
      ]);
      expect(Date.now() - started).toBeLessThan(6000);
      for (const res of responses.slice(0, 5)) expectUnavailable(res);
      for (const res of responses.slice(5)) expect(res.status).toBe(503);
      // Metrics stay scrapeable (process metrics matter most while the database is away); the
      // database gauges keep their last values.
      const metrics = await timed(t.http.get('/metrics'));
      expect(metrics.result.status).toBe(200);
      expect(metrics.result.text).toContain('experimentation_experiments_total{status="running"} 1');
      expect(metrics.ms).toBeLessThan(3000);
    }, 60_000);

    it('should be back to 200 by itself once PostgreSQL returns', async () => {
      await pg.command('start');
      const ms = await eventually(async () => (await t.http.get('/health')).status === 200, 15_000);
      expect(ms).toBeLessThan(15_000);
      expect((await t.http.get('/health')).body).toMatchObject({ status: 'ok', database: 'up' });
      expect((await t.http.get('/health/ready')).status).toBe(200);
      // And the API works on fresh connections without a restart.
      expect((await t.http.post('/api/v1/experiments').set(asAdmin).send(experimentBody('After outage'))).status).toBe(201);
      const assign = await t.http.post('/api/v1/experiments/before-outage/assign').set(asClient).send({ userId: 'u-after' });
      expect(assign.status).toBe(200);
      expect(assign.body.reason).toBe('assigned');
    }, 60_000);
  });

  describe('network partition (connections accepted, never answered)', () => {
    let proxy: TcpProxy;
    let t: TestApp;
    let database: { url: string; drop(): Promise<void> };

    beforeAll(async () => {
      database = await createTestDatabase();
      const target = new URL(database.url);
      proxy = new TcpProxy(target.hostname, Number(target.port));
      await proxy.listen();
      const viaProxy = new URL(database.url);
      viaProxy.port = String(proxy.port);
      t = await startTestApp({}, { databaseUrl: viaProxy.toString() });
    });

    afterAll(async () => {
      proxy.forward();
      await t?.close();
      await proxy?.close();
      await database?.drop();
    });

    it('should answer 503 within the ping timeout and recover when the network heals', async () => {
      expect((await t.http.get('/health')).status).toBe(200);
      proxy.blackhole();

      const health = await timed(t.http.get('/health'));
      expect(health.result.status).toBe(503);
      expect(health.result.body).toEqual({ status: 'error', database: 'down' });
      expect(health.ms).toBeLessThan(2500);

      // A query cannot get a connection: the pool's connect timeout (5 s) turns it into a 503.
      const list = await timed(t.http.get('/api/v1/experiments').set(asAdmin));
      expectUnavailable(list.result);
      expect(list.ms).toBeLessThan(7000);

      proxy.forward();
      await eventually(async () => (await t.http.get('/health')).status === 200, 15_000);
      expect((await t.http.get('/api/v1/experiments').set(asAdmin)).status).toBe(200);
    }, 60_000);
  });
});
