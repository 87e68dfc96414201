/**
 * Shared pieces of the fault and load tests (`npm run test:reliability`): the real built service as
 * child processes, a PostgreSQL server the tests can stop and start on a fixed port, clients that
 * keep a steady load and record exactly what the service acknowledged, and the checks against the
 * database. Everything is on 127.0.0.1 and bounded in time.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { PostgresServer } from '../support/postgres-server';

export const ROOT = path.resolve(__dirname, '..', '..');
/** Built once by global-setup.ts (not dist/: a concurrent `npm run build` cannot change what is tested). */
export const BUILD_DIR = path.join(ROOT, 'test', 'artifacts', 'reliability-build');
export const MAIN = path.join(BUILD_DIR, 'src', 'main.js');

export const ADMIN = 'reliability-admin-token-3f8a1c5e9b2d4706';
export const CLIENT = 'reliability-client-token-6e2b9d4a1f7c3085';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function eventually<T>(check: () => Promise<T | null | false>, timeoutMs: number, what: string): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => null);
    if (value) return value;
    if (Date.now() > until) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/* ------------------------------------------------------------------------------------------ service */

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** `node <build>/src/main.js` in production mode, with only the environment given here. */
export class ServiceProcess {
  readonly exited: Promise<Exit>;
  private log = '';

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    const keep = (chunk: Buffer) => (this.log = (this.log + chunk.toString()).slice(-50_000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  static async start(port: number, env: Record<string, string>): Promise<ServiceProcess> {
    const child = spawn(process.execPath, [MAIN], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: 'production',
        ADMIN_TOKEN: ADMIN,
        CLIENT_TOKENS: CLIENT,
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        PORT: String(port),
        ...env,
      },
    });
    const service = new ServiceProcess(child, port);
    await service.waitHealthy();
    return service;
  }

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get output(): string {
    return this.log;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async waitHealthy(timeoutMs = 120_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`service exited during startup:\n${this.log}`);
      const status = await fetch(`${this.base}/health`, { signal: AbortSignal.timeout(2000) })
        .then((res) => res.status)
        .catch(() => 0);
      if (status === 200) return;
      if (Date.now() > until) throw new Error(`service not healthy within ${timeoutMs} ms:\n${this.log}`);
      await sleep(200);
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs` (a test that failed midway must not leave processes behind). */
  async stop(graceMs = 15_000): Promise<Exit> {
    if (this.running) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      const exit = await this.exited;
      clearTimeout(timer);
      return exit;
    }
    return this.exited;
  }
}

/* ------------------------------------------------------------------------------------------ PostgreSQL */

export { PostgresServer };

/**
 * For one suite: a PostgreSQL server of its own (in a temporary directory, so the test may stop and
 * start it) and the service on it, started before the tests and removed after them.
 */
export function serviceOnOwnPostgres(name: string): { readonly pg: PostgresServer; readonly service: ServiceProcess } {
  const suite = {} as { dataDir: string; pg: PostgresServer; service: ServiceProcess };
  beforeAll(async () => {
    suite.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `experimentation-${name}-`));
    suite.pg = await PostgresServer.launch(suite.dataDir);
    suite.service = await ServiceProcess.start(await freePort(), { DATABASE_URL: suite.pg.url });
  }, 180_000);
  afterAll(async () => {
    await suite.service?.stop();
    await suite.pg?.close();
    if (suite.dataDir) fs.rmSync(suite.dataDir, { recursive: true, force: true });
  }, 60_000);
  return suite;
}

/** The embedded database a service started in DATA_DIR: its port is in postmaster.pid (4th line). */
export function embeddedUrl(dataDir: string): string {
  const lines = fs.readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n');
  return `postgres://postgres:postgres@127.0.0.1:${lines[3].trim()}/experimentation`;
}

export async function withDatabase<T>(url: string, work: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}

/* ------------------------------------------------------------------------------------------ HTTP */

export interface Answer {
  status: number;
  body: any;
}

/** One request with a deadline; a network failure or the deadline gives status 0 and the reason. */
export async function call(base: string, method: string, url: string, body?: unknown, token = ADMIN, timeoutMs = 10_000): Promise<Answer> {
  try {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed };
  } catch (error) {
    const reason =
      (error as Error).name === 'TimeoutError' ? 'timeout' : String((error as { cause?: { code?: string } }).cause?.code ?? error);
    return { status: 0, body: reason };
  }
}

export async function createRunningExperiment(base: string, key: string): Promise<string> {
  const created = await call(base, 'POST', '/api/v1/experiments', {
    name: `Reliability ${key}`,
    key,
    variants: [
      { name: 'control', weight: 0.5, config: { color: 'blue' } },
      { name: 'treatment', weight: 0.5, config: { color: 'green' } },
    ],
    metrics: [{ name: 'purchase', type: 'conversion', role: 'primary' }],
  });
  if (created.status !== 201) throw new Error(`create experiment: ${created.status} ${JSON.stringify(created.body)}`);
  const started = await call(base, 'POST', `/api/v1/experiments/${key}/start`);
  if (started.status !== 200) throw new Error(`start experiment: ${started.status}`);
  return (created.body as { id: string }).id;
}

/** Assigns `count` users (`user-0`, `user-1`, …) through the assign route; every answer must be a 200. */
export async function enrolThroughApi(base: string, key: string, count: number): Promise<string[]> {
  const users = Array.from({ length: count }, (_, i) => `user-${i}`);
  for (const userId of users) {
    const res = await call(base, 'POST', `/api/v1/experiments/${key}/assign`, { userId });
    if (res.status !== 200) throw new Error(`assign ${userId}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return users;
}

/* ------------------------------------------------------------------------------------------ load */

export interface LoadOptions {
  /** Where each request goes (called per request: round-robin over replicas, or one base that restarts). */
  base: () => string;
  experimentKey: string;
  /** Users assigned before the load starts: the events are theirs. */
  enrolled: string[];
  batchClients: number;
  assignClients: number;
  eventsPerBatch: number;
  timeoutMs?: number;
}

export interface RequestRecord {
  kind: 'batch' | 'assign';
  startedAt: number;
  endedAt: number;
  status: number;
  reason?: string;
}

/**
 * Clients that keep a steady load of event batches and assigns of new users, and record what was
 * acknowledged. A batch that failed is sent again with the same eventIds (as a real client retries),
 * so whatever happened to the first attempt, each acknowledged event must be stored exactly once.
 */
export class LoadClients {
  readonly ackedEvents = new Set<string>();
  readonly ackedAssignments = new Map<string, string>();
  readonly records: RequestRecord[] = [];
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(private readonly options: LoadOptions) {
    const loops: Promise<void>[] = [];
    for (let c = 0; c < options.batchClients; c++) loops.push(this.batchLoop(c));
    for (let c = 0; c < options.assignClients; c++) loops.push(this.assignLoop(c));
    this.loops = loops;
  }

  private async send(kind: RequestRecord['kind'], url: string, body: unknown): Promise<Answer> {
    const startedAt = Date.now();
    const answer = await call(this.options.base(), 'POST', url, body, CLIENT, this.options.timeoutMs ?? 10_000);
    this.records.push({
      kind,
      startedAt,
      endedAt: Date.now(),
      status: answer.status,
      reason: answer.status === 0 ? String(answer.body) : undefined,
    });
    return answer;
  }

  private async batchLoop(client: number): Promise<void> {
    const { enrolled, eventsPerBatch, experimentKey } = this.options;
    for (let batch = 0; this.running; batch++) {
      const events = Array.from({ length: eventsPerBatch }, (_, i) => ({
        experiment: experimentKey,
        userId: enrolled[(batch * eventsPerBatch + i) % enrolled.length],
        eventName: 'purchase',
        eventId: `c${client}-b${batch}-e${i}`,
      }));
      // Until acknowledged (or the load stops): the same eventIds every time.
      while (this.running) {
        const answer = await this.send('batch', '/api/v1/events/batch', { events });
        if (answer.status === 200) {
          const { accepted, duplicates, rejected } = answer.body as { accepted: number; duplicates: number; rejected: unknown[] };
          if (rejected.length > 0 || accepted + duplicates !== events.length)
            throw new Error(`batch answered ${JSON.stringify(answer.body)}`);
          for (const e of events) this.ackedEvents.add(e.eventId);
          break;
        }
        await sleep(50);
      }
    }
  }

  private async assignLoop(client: number): Promise<void> {
    for (let n = 0; this.running; n++) {
      const userId = `new-${client}-${n}`;
      while (this.running) {
        const answer = await this.send('assign', `/api/v1/experiments/${this.options.experimentKey}/assign`, { userId });
        if (answer.status === 200) {
          const { inExperiment, variant } = answer.body as { inExperiment: boolean; variant: { name: string } | null };
          if (!inExperiment || !variant) throw new Error(`assign answered ${JSON.stringify(answer.body)}`);
          this.ackedAssignments.set(userId, variant.name);
          break;
        }
        await sleep(50);
      }
    }
  }

  /** Stops the clients after their current request and resolves when all have. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  statuses(filter: (r: RequestRecord) => boolean = () => true): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of this.records.filter(filter)) {
      const key = r.status === 0 ? `error:${r.reason}` : String(r.status);
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  }
}

/**
 * Every acknowledged event is in the database exactly once, and every acknowledged assignment is
 * there with the variant the service answered. Returns what is stored for the experiment.
 */
export async function verifyAcknowledged(
  url: string,
  experimentId: string,
  load: LoadClients,
): Promise<{ events: number; assignments: number }> {
  return withDatabase(url, async (db) => {
    const ids = [...load.ackedEvents];
    const stored = await db.query<{ event_id: string; copies: string }>(
      `SELECT event_id, count(*) AS copies FROM events WHERE experiment_id = $1 AND event_id = ANY($2::text[]) GROUP BY event_id`,
      [experimentId, ids],
    );
    const copies = new Map(stored.rows.map((r) => [r.event_id, Number(r.copies)]));
    const missing = ids.filter((id) => !copies.has(id));
    const twice = [...copies].filter(([, n]) => n !== 1);
    expect({ missing: missing.slice(0, 10), twice: twice.slice(0, 10) }).toEqual({ missing: [], twice: [] });
    // Nothing at all is stored twice, acknowledged or not.
    const dup = await db.query(
      `SELECT event_id FROM events WHERE experiment_id = $1 AND event_id IS NOT NULL GROUP BY event_id HAVING count(*) > 1 LIMIT 5`,
      [experimentId],
    );
    expect(dup.rows).toEqual([]);

    const users = [...load.ackedAssignments.keys()];
    const rows = await db.query<{ user_id: string; variant: string }>(
      `SELECT user_id, variant FROM assignments WHERE experiment_id = $1 AND user_id = ANY($2::text[])`,
      [experimentId, users],
    );
    const variants = new Map(rows.rows.map((r) => [r.user_id, r.variant]));
    const wrong = users.filter((u) => variants.get(u) !== load.ackedAssignments.get(u));
    expect(wrong.slice(0, 10)).toEqual([]);
    const total = await db.query(`SELECT count(*) AS n FROM events WHERE experiment_id = $1`, [experimentId]);
    return { events: Number(total.rows[0].n), assignments: rows.rowCount ?? 0 };
  });
}
