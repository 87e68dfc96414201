/**
 * Hostile clients against the real service process (issue 13 items 2–4 and the "Also bounded"
 * list). Each attack prints ONE line: requests sent, RSS before/after (from /proc), the event-loop
 * figures the service measured in-process while it ran (see eventLoop() below), and the status codes. Loopback only, bounded in time: HOSTILE_XFF_SECONDS (60) for the X-Forwarded-For flood,
 * HOSTILE_SCALE (1 → 1M users / 10M events, seeded once with SQL into the kept database
 * `hostile_suite` when a PostgreSQL server is reused: the first run spends minutes seeding, later
 * runs take ~4 minutes).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { seedScale, seedSpread } from '../../bench/results-data';
import { PostgresServer } from '../support/postgres-server';
import { freePort, ServiceProcess } from '../reliability/support';

const ADMIN = 'hostile-suite-admin-token-0123456789abcdef';
const CLIENT = 'hostile-suite-client-token-0123456789abcdef';
const XFF_SECONDS = Number(process.env.HOSTILE_XFF_SECONDS ?? 60);
const SCALE = Number(process.env.HOSTILE_SCALE ?? 1);
const EVENT_LOOP_BUDGET_MS = 100;
const RSS_BUDGET_MB = 50;
const REQUEST_TIMEOUT_SECONDS = 5;
const USER_CACHE_MB = 16;

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

interface Answer {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

let service: ServiceProcess;
let pg: PostgresServer | null = null;
let dataDir: string | null = null;
let databaseUrl: string;

function send(method: string, url: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: service.port,
        method,
        path: url,
        agent,
        headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.setTimeout(120_000, () => req.destroy(new Error(`${method} ${url}: no answer in 120 s`)));
    req.end(body);
  });
}

const admin = { authorization: `Bearer ${ADMIN}` };
const asAdmin = (method: string, url: string, body?: unknown) =>
  send(method, url, admin, body === undefined ? undefined : JSON.stringify(body));

function rssMb(): number {
  const status = fs.readFileSync(`/proc/${service.child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

/**
 * The service's event-loop figures since the previous call (each /metrics scrape resets them), in ms:
 * `busy`, the longest CPU time the process spent between two loop turns (its own blocking work, the
 * figure held to the 100 ms budget), and `delay`, the longest wall-clock gap (prom-client's
 * monitorEventLoopDelay maximum; on a loaded host it includes time the process was not scheduled).
 */
async function eventLoop(): Promise<{ busyMs: number; delayMs: number }> {
  const metrics = (await send('GET', '/metrics')).body;
  const read = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN) * 1000;
  return { busyMs: read('experimentation_event_loop_busy_max_seconds'), delayMs: read('nodejs_eventloop_lag_max_seconds') };
}

interface Figures {
  sent: number;
  rssBefore: number;
  rssAfter: number;
  maxDelayMs: number;
  maxBusyMs: number;
  statuses: Map<number, number>;
  wallMs: number;
  note?: string;
}

function report(attack: string, f: Figures): void {
  const codes = [...f.statuses]
    .sort(([a], [b]) => a - b)
    .map(([code, n]) => `${code}×${n}`)
    .join(' ');
  process.stdout.write(
    `HOSTILE ${attack.padEnd(28)} sent=${f.sent} rss=${f.rssBefore.toFixed(0)}→${f.rssAfter.toFixed(0)} MB (${f.rssAfter - f.rssBefore >= 0 ? '+' : ''}${(f.rssAfter - f.rssBefore).toFixed(1)}) ` +
      `event-loop max busy=${f.maxBusyMs.toFixed(1)} ms delay=${f.maxDelayMs.toFixed(1)} ms wall=${(f.wallMs / 1000).toFixed(1)} s statuses=${codes}${f.note ? ` ${f.note}` : ''}\n`,
  );
}

/** Runs `attack` and collects the figures around it. */
async function measure(attack: string, run: (count: (status: number) => void) => Promise<string | void>): Promise<Figures> {
  const statuses = new Map<number, number>();
  let sent = 0;
  const count = (status: number) => {
    sent++;
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
  };
  await eventLoop();
  const rssBefore = rssMb();
  const t0 = performance.now();
  const note = await run(count);
  const wallMs = performance.now() - t0;
  const { busyMs: maxBusyMs, delayMs: maxDelayMs } = await eventLoop();
  const figures = { sent, rssBefore, rssAfter: rssMb(), maxDelayMs, maxBusyMs, statuses, wallMs, note: note ?? undefined };
  report(attack, figures);
  return figures;
}

/** `concurrency` loops calling `once` until `until()` says stop. */
async function flood(
  concurrency: number,
  until: () => boolean,
  once: (i: number) => Promise<number>,
  count: (status: number) => void,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (!until()) count(await once(next++).catch(() => 0));
    }),
  );
}

async function createRunning(key: string, metrics: unknown[]): Promise<string> {
  const existing = await asAdmin('GET', `/api/v1/experiments/${key}`);
  if (existing.status === 200) return (JSON.parse(existing.body) as { id: string }).id;
  const created = await asAdmin('POST', '/api/v1/experiments', {
    name: key,
    key,
    variants: [
      { name: 'control', weight: 0.5 },
      { name: 'treatment', weight: 0.5 },
    ],
    metrics,
  });
  expect(created.status).toBe(201);
  expect((await asAdmin('POST', `/api/v1/experiments/${key}/start`)).status).toBe(200);
  return (JSON.parse(created.body) as { id: string }).id;
}

async function serverUrl(): Promise<string> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const probe = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres', connectionTimeoutMillis: 2000 });
  try {
    await probe.connect();
    await probe.end();
    return 'postgres://postgres@127.0.0.1:5432/postgres';
  } catch {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'experimentation-hostile-'));
    pg = await PostgresServer.launch(dataDir);
    return pg.url;
  }
}

beforeAll(async () => {
  const server = new URL(await serverUrl());
  const maintenance = new Client({ connectionString: server.toString() });
  await maintenance.connect();
  if (!(await maintenance.query(`SELECT 1 FROM pg_database WHERE datname = 'hostile_suite'`)).rowCount) {
    await maintenance.query('CREATE DATABASE hostile_suite');
  }
  await maintenance.end();
  server.pathname = '/hostile_suite';
  databaseUrl = server.toString();
  // Experiments of earlier runs would take part in every /decide of this one.
  const sql = new Client({ connectionString: databaseUrl });
  await sql.connect();
  await sql
    .query(`UPDATE experiments SET status = 'completed' WHERE status <> 'completed' AND key NOT LIKE 'scale-%' AND key <> 'legacy-spread'`)
    .catch(() => undefined);
  await sql.end();
  service = await ServiceProcess.start(await freePort(), {
    DATABASE_URL: databaseUrl,
    ADMIN_TOKEN: ADMIN,
    CLIENT_TOKENS: CLIENT,
    REQUEST_TIMEOUT_SECONDS: String(REQUEST_TIMEOUT_SECONDS),
    USER_CACHE_MB: String(USER_CACHE_MB),
    // The time series of a 10M-event experiment needs its statements (decision 007).
    LOG_LEVEL: 'error',
  });
}, 240_000);

afterAll(async () => {
  agent.destroy();
  await service?.stop();
  await pg?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

const run = `${Date.now().toString(36)}`;

describe('hostile clients (issue 13)', () => {
  it('item 4: value 1e155 is refused at ingest, /results and /metrics keep answering', async () => {
    const key = `poison-${run}`;
    await createRunning(key, [{ name: 'revenue', type: 'mean', role: 'primary' }]);
    expect((await asAdmin('POST', `/api/v1/experiments/${key}/assign`, { userId: 'u-1' })).status).toBe(200);
    const idle = await measure('idle-baseline-2s', async () => {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      return `load-average=${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`;
    });
    expect(idle.maxBusyMs).toBeLessThanOrEqual(EVENT_LOOP_BUDGET_MS);
    const f = await measure('value-1e155', async (count) => {
      for (const value of [1e155, -1e155, 1e12 + 1, 42]) {
        const res = await asAdmin('POST', `/api/v1/experiments/${key}/track`, { userId: 'u-1', eventName: 'revenue', value });
        count(res.status);
        if (value !== 42) expect(res.body).toContain('value must be between -1e12 and 1e12');
      }
      for (const url of [`/api/v1/experiments/${key}/results?fresh=true`, `/api/v1/experiments/${key}/metrics`])
        count((await asAdmin('GET', url)).status);
    });
    expect(f.statuses.get(400)).toBe(3);
    expect(f.statuses.get(202)).toBe(1);
    expect(f.statuses.get(200)).toBe(2);
  });

  it('item 3: 20,000 events one day apart are refused; the time series answers at once', async () => {
    const key = `spread-${run}`;
    await createRunning(key, [{ name: 'revenue', type: 'mean', role: 'primary' }]);
    for (let u = 0; u < 4; u++) expect((await asAdmin('POST', `/api/v1/experiments/${key}/assign`, { userId: `s-${u}` })).status).toBe(200);
    const now = Date.now();
    let accepted = 0;
    const f = await measure('timestamps-one-day-apart', async (count) => {
      for (let start = 0; start < 20_000; start += 10_000) {
        const events = Array.from({ length: 10_000 }, (_, j) => ({
          experiment: key,
          userId: `s-${(start + j) % 4}`,
          eventName: 'revenue',
          value: 1,
          timestamp: new Date(now - (start + j) * 86_400_000).toISOString(),
        }));
        const res = await asAdmin('POST', '/api/v1/events/batch', { events });
        count(res.status);
        accepted += (JSON.parse(res.body) as { accepted: number }).accepted;
      }
      const t0 = performance.now();
      const series = await asAdmin('GET', `/api/v1/experiments/${key}/results/timeseries?interval=day`);
      count(series.status);
      return `accepted=${accepted}/20000 timeseries=${(performance.now() - t0).toFixed(0)} ms`;
    });
    // Only the last 90 days (EVENT_BACKFILL_DAYS) are inside the window.
    expect(accepted).toBeLessThanOrEqual(91);
    expect(f.statuses.get(200)).toBe(3);
    expect(f.maxBusyMs).toBeLessThanOrEqual(EVENT_LOOP_BUDGET_MS);
  });

  it(`item 3: results and time series of a ${SCALE * 1}M-user / ${SCALE * 10}M-event experiment never block the event loop > ${EVENT_LOOP_BUDGET_MS} ms`, async () => {
    const key = `scale-${SCALE}`;
    const id = await createRunning(key, [
      { name: 'purchase', type: 'conversion', role: 'primary' },
      { name: 'revenue', type: 'mean', role: 'secondary' },
      { name: 'refund', type: 'conversion', role: 'guardrail', goal: 'decrease' },
    ]);
    const spreadId = await createRunning('legacy-spread', [{ name: 'revenue', type: 'mean', role: 'primary' }]);
    const sql = new Client({ connectionString: databaseUrl });
    await sql.connect();
    let seededMs = 0;
    try {
      seededMs = await seedScale(sql, id, Math.round(1_000_000 * SCALE), Math.round(10_000_000 * SCALE));
      // Data written before the ingest bounds: 4 users, 20,000 days (the points cap in SQL still applies).
      await seedSpread(sql, spreadId);
    } finally {
      await sql.end();
    }
    if (seededMs > 0)
      process.stdout.write(`HOSTILE (seeded ${SCALE}M users / ${SCALE * 10}M events with SQL in ${(seededMs / 1000).toFixed(0)} s)\n`);
    const requests = [
      `/api/v1/experiments/${key}/results?fresh=true`,
      `/api/v1/experiments/${key}/results/timeseries?interval=day`,
      `/api/v1/experiments/${key}/results/timeseries?interval=hour`,
      `/api/v1/experiments/legacy-spread/results/timeseries?interval=day`,
    ];
    for (const url of requests) {
      const f = await measure(`heavy ${url.replace(/^\/api\/v1\/experiments\//, '').slice(0, 60)}`, async (count) => {
        const res = await asAdmin('GET', url);
        count(res.status);
        const points = (JSON.parse(res.body) as { points?: unknown[] }).points;
        // /health answers while the request runs (probed after it, too).
        count((await send('GET', '/health')).status);
        return points ? `points=${points.length}` : undefined;
      });
      expect(f.statuses.get(200)).toBe(2);
      expect(f.maxBusyMs).toBeLessThanOrEqual(EVENT_LOOP_BUDGET_MS);
    }
    // The first run seeds the 10M events (minutes on a loaded 2-core host; kept in hostile_suite for the next runs).
  }, 1_800_000);

  it('bounded: /decide with random user ids and batches naming thousands of unknown experiments', async () => {
    for (let i = 0; i < 3; i++) await createRunning(`decide-${run}-${i}`, [{ name: 'purchase', type: 'conversion', role: 'primary' }]);
    const decideFor = (ms: number) => async (count: (status: number) => void) => {
      const until = performance.now() + ms;
      await flood(
        16,
        () => performance.now() > until,
        (i) =>
          send(
            'POST',
            '/api/v1/decide',
            { authorization: `Bearer ${CLIENT}` },
            JSON.stringify({ userId: `random-${run}-${i}-${Math.random()}` }),
          ).then((r) => r.status),
        count,
      );
    };
    // Two rounds: the first fills the caches up to USER_CACHE_MB (and V8's heap to its working size);
    // the second shows the growth has stopped, whatever new ids keep arriving.
    const first = await measure('decide-random-ids-round-1', decideFor(15_000));
    const second = await measure('decide-random-ids-round-2', decideFor(15_000));
    expect([...first.statuses.keys(), ...second.statuses.keys()].every((code) => code === 200)).toBe(true);
    // What is kept per user is bounded by USER_CACHE_MB (proved exactly in test/e2e/security-bounds);
    // RSS also holds V8's heap growing to its working size under load (in-process with --expose-gc:
    // heapUsed +3.7 MB then +3.0 MB per 5,000 random-id decides on 3 experiments; RSS +44 MB then −12 MB),
    // hence only a gross bound here: an unbounded map of users would pass it within seconds.
    expect(second.rssAfter - first.rssBefore).toBeLessThan(256);

    const batch = await measure('batch-10k-unknown-experiments', async (count) => {
      const events = Array.from({ length: 10_000 }, (_, i) => ({ experiment: `unknown-${run}-${i}`, userId: 'u', eventName: 'purchase' }));
      for (let i = 0; i < 5; i++) {
        const res = await asAdmin('POST', '/api/v1/events/batch', { events });
        count(res.status);
        expect((JSON.parse(res.body) as { rejected: unknown[] }).rejected).toHaveLength(10_000);
      }
    });
    expect([...batch.statuses.keys()]).toEqual([200]);
    expect(batch.wallMs / 5).toBeLessThan(5000);
  });

  it('bounded: a body trickled a byte at a time is cut off; odd X-Request-Id replaced; lone surrogates refused', async () => {
    const f = await measure('slow-body-and-odd-inputs', async (count) => {
      const socket = net.connect(service.port, '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(
        `POST /api/v1/experiments HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n`,
      );
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      const trickle = setInterval(() => socket.writable && socket.write('{'), 250);
      const t0 = performance.now();
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        setTimeout(() => resolve(), (REQUEST_TIMEOUT_SECONDS + 10) * 1000);
      });
      clearInterval(trickle);
      socket.destroy();
      const cutAfter = performance.now() - t0;
      count(Number(/^HTTP\/1\.1 (\d+)/.exec(received)?.[1] ?? 0));
      expect(cutAfter).toBeLessThan((REQUEST_TIMEOUT_SECONDS + 3) * 1000);

      const id = await send('GET', '/health', { 'x-request-id': 'x'.repeat(5000) });
      count(id.status);
      expect(id.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      const surrogate = await send('POST', '/api/v1/decide', { authorization: `Bearer ${CLIENT}` }, '{"userId":"a\\ud800"}');
      count(surrogate.status);
      expect(surrogate.status).toBe(400);
      return `cut-after=${(cutAfter / 1000).toFixed(1)} s`;
    });
    expect(f.statuses.get(408)).toBe(1);
  });

  // Unauthenticated floods last: failed authentication blocks the loopback address for a minute.
  it(
    `item 2: ${XFF_SECONDS} s of requests without a token, each with its own 16 KB X-Forwarded-For, grow RSS < ${RSS_BUDGET_MB} MB`,
    async () => {
      const pad = 'f'.repeat(16_000 - 20);
      const until = performance.now() + XFF_SECONDS * 1000;
      const f = await measure('xff-16kb-flood', async (count) => {
        await flood(
          32,
          () => performance.now() > until,
          (i) => send('GET', '/api/v1/experiments', { 'x-forwarded-for': `${i}.${pad}` }).then((r) => r.status),
          count,
        );
      });
      expect(f.rssAfter - f.rssBefore).toBeLessThan(RSS_BUDGET_MB);
      expect([...f.statuses.keys()].every((code) => code === 401 || code === 429)).toBe(true);
      expect(f.statuses.get(429)).toBeGreaterThan(f.sent / 2);
    },
    (XFF_SECONDS + 120) * 1000,
  );

  it('item 2: guessing random bearer tokens is throttled (429 with Retry-After)', async () => {
    const f = await measure('random-bearer-tokens', async (count) => {
      for (let i = 0; i < 200; i++) {
        const res = await send('GET', '/api/v1/experiments', { authorization: `Bearer guess-${Math.random()}-${i}` });
        count(res.status);
        if (res.status === 429) expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      }
    });
    expect(f.statuses.get(401) ?? 0).toBeLessThanOrEqual(60);
    expect(f.statuses.get(429)).toBeGreaterThanOrEqual(140);
  });
});
