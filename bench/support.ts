/**
 * What every benchmark scenario shares: a temporary embedded PostgreSQL, the real service started as
 * a separate process (`node dist/src/main.js`, production mode), a bare Node hello-world server as
 * the ceiling, and autocannon runs in a forked load-generator process.
 */
import { ChildProcess, fork, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { findFreePort, startEmbeddedDatabase } from '../src/database/embedded-database';
import { runMigrations } from '../src/database/migrate';
import type { FrameworkFloor } from './framework-floors';
import type { LoadReport, LoadSpec } from './load-generator';

/** dist/bench → the repository root. */
export const ROOT = path.resolve(__dirname, '..', '..');
// BENCH_SERVICE=<path to another build's src/main.js>: the same scenarios against another build (A/B).
const SERVICE_MAIN = process.env.BENCH_SERVICE ? path.resolve(process.env.BENCH_SERVICE) : path.join(__dirname, '..', 'src', 'main.js');
const LOAD_GENERATOR = path.join(__dirname, 'load-generator.js');

export const ADMIN_TOKEN = 'bench-admin-token-5c1e8a3f7b9d2046a';
export const CLIENT_TOKEN = 'bench-client-token-9a4d2b7e1c6f3058';

export const log = (line = ''): void => void process.stdout.write(`${line}\n`);

export const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/* ------------------------------------------------------------------------------------------ database */

export interface BenchDatabase {
  url: string;
  dataDir: string;
  /** A connection of the bench itself, for seeding and checks (not on the measured path). */
  sql: Client;
  fsync: boolean;
  stop(): Promise<void>;
}

/**
 * A fresh embedded PostgreSQL in a temporary directory, migrated. By default with fsync,
 * synchronous_commit and full_page_writes off (BENCH_FSYNC=on keeps PostgreSQL's defaults): the
 * figures then measure the service and PostgreSQL's CPU work, not this VM's disk flushes.
 */
export async function startDatabase(): Promise<BenchDatabase> {
  const fsync = process.env.BENCH_FSYNC === 'on';
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'experimentation-bench-'));
  const embedded = await startEmbeddedDatabase(dataDir, { fsync });
  await runMigrations(embedded.url);
  const sql = new Client({ connectionString: embedded.url });
  await sql.connect();
  return {
    url: embedded.url,
    dataDir,
    sql,
    fsync,
    async stop() {
      await sql.end().catch(() => undefined);
      await embedded.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/* ------------------------------------------------------------------------------------------ service */

export interface ServiceProcess {
  base: string;
  port: number;
  pid: number;
  stop(): Promise<number | null>;
}

/**
 * The built service in its own process, as production runs it: NODE_ENV=production with an admin
 * and a client token, LOG_LEVEL=warn. Rate limiting stays on (its cost is part of every request)
 * with a limit the bench cannot reach. BENCH_PROFILE=<dir> adds `--cpu-prof` (profile written on exit).
 */
export async function startService(databaseUrl: string, extraEnv: Record<string, string> = {}): Promise<ServiceProcess> {
  const port = await findFreePort();
  const nodeArgs: string[] = [];
  if (process.env.BENCH_PROFILE) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_PROFILE)}`);
  const child = spawn(process.execPath, [...nodeArgs, SERVICE_MAIN], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      ADMIN_TOKEN,
      CLIENT_TOKENS: CLIENT_TOKEN,
      LOG_LEVEL: 'warn',
      DATABASE_URL: databaseUrl,
      DB_MIGRATE: 'false',
      HOST: '127.0.0.1',
      PORT: String(port),
      RATE_LIMIT_PER_MINUTE: '1000000000',
      RESULTS_CACHE_SECONDS: '3600',
      ...extraEnv,
    },
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const base = `http://127.0.0.1:${port}`;
  const until = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`service exited during startup:\n${output}`);
    const status = await fetch(`${base}/health`)
      .then((res) => res.status)
      .catch(() => 0);
    if (status === 200) break;
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`service not healthy within 60 s:\n${output}`);
    }
    await sleep(200);
  }
  return {
    base,
    port,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      if (code !== 0) log(`service ${port} exited with ${code}:\n${output}`);
      return code;
    },
  };
}

/** The ceiling: Node's `http` module answering a small JSON body, nothing else, in its own process. */
export async function startHelloWorld(): Promise<ReferenceServer> {
  const code = `
    const body = JSON.stringify({ hello: 'world' });
    const server = require('node:http').createServer((req, res) => {
      req.resume();
      req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }); res.end(body); });
    });
    server.keepAliveTimeout = 72000;
    server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));`;
  return startReferenceServer(['-e', code]);
}

/** Bare Fastify or bare NestJS answering the assign route's shape (bench/framework-floors.ts). */
export function startFrameworkFloor(kind: FrameworkFloor): Promise<ReferenceServer> {
  return startReferenceServer([path.join(__dirname, 'framework-floors.js'), kind]);
}

export interface ReferenceServer {
  base: string;
  pid: number;
  stop(): Promise<void>;
}

/** A server in its own process that prints its port on the first line of stdout. */
async function startReferenceServer(args: string[]): Promise<ReferenceServer> {
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', () => reject(new Error(`reference server ${args.join(' ').slice(0, 60)} exited`)));
  });
  return {
    base: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/* ------------------------------------------------------------------------------------------ load */

/**
 * CPU seconds (user + system) a process has used so far, from /proc (null where there is none).
 * Divided by the requests of a run it gives the server's CPU cost per request, which, unlike req/s,
 * hardly moves when other processes share the machine.
 */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

// USER_HZ: 100 on every Linux this runs on (sysconf(_SC_CLK_TCK) is not reachable from Node).
const CLOCK_TICKS = 100;

/** A load run that also reports the server's CPU microseconds per request (when `pid` is given). */
export async function runLoadWithCpu(spec: LoadSpec, pid?: number): Promise<LoadReport & { cpuUsPerRequest: number | null }> {
  const before = pid === undefined ? null : cpuSeconds(pid);
  const report = await runLoad(spec);
  const after = pid === undefined ? null : cpuSeconds(pid);
  const cpuUsPerRequest = before === null || after === null || report.requests === 0 ? null : ((after - before) * 1e6) / report.requests;
  return { ...report, cpuUsPerRequest };
}

/** Runs one autocannon load in a forked process and returns its report. */
export function runLoad(spec: LoadSpec): Promise<LoadReport> {
  return new Promise((resolve, reject) => {
    const child = fork(LOAD_GENERATOR, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let answered = false;
    child.once('message', (message: { report?: LoadReport; error?: string }) => {
      answered = true;
      if (message.report) resolve(message.report);
      else reject(new Error(`load generator: ${message.error}`));
    });
    child.once('exit', (code) => {
      if (!answered) reject(new Error(`load generator exited with ${code} before reporting`));
    });
    child.send(spec);
  });
}

/* ------------------------------------------------------------------------------------------ API */

export class Api {
  constructor(
    readonly base: string,
    private readonly token: string,
  ) {}

  get headers(): Record<string, string> {
    return { authorization: `Bearer ${this.token}` };
  }

  async call<T = unknown>(method: string, url: string, body?: unknown, expected?: number): Promise<T> {
    const res = await fetch(`${this.base}${url}`, {
      method,
      headers: { ...this.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (expected !== undefined ? res.status !== expected : res.status >= 300) {
      throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 500)}`);
    }
    return (text ? JSON.parse(text) : null) as T;
  }
}

/** A running two-variant experiment; returns its id. */
export async function createRunningExperiment(
  admin: Api,
  key: string,
  metrics: Record<string, string>[] = [{ name: 'purchase', type: 'conversion', role: 'primary' }],
): Promise<string> {
  const created = await admin.call<{ id: string }>(
    'POST',
    '/api/v1/experiments',
    {
      name: `Bench ${key}`,
      key,
      variants: [
        { name: 'control', weight: 0.5, config: { color: 'blue' } },
        { name: 'treatment', weight: 0.5, config: { color: 'green' } },
      ],
      metrics,
    },
    201,
  );
  await admin.call('POST', `/api/v1/experiments/${key}/start`, undefined, 200);
  return created.id;
}

/** Enrols `count` users named prefix0…prefixN-1 directly in SQL (enrolment is not what is measured there). */
export async function seedAssignments(db: BenchDatabase, experimentId: string, prefix: string, count: number): Promise<void> {
  await db.sql.query(
    `INSERT INTO assignments (experiment_id, user_id, variant)
     SELECT $1, $2 || i, CASE WHEN i % 2 = 0 THEN 'control' ELSE 'treatment' END FROM generate_series(0, $3 - 1) AS i`,
    [experimentId, prefix, count],
  );
}

/* ------------------------------------------------------------------------------------------ results */

export interface ScenarioResult {
  id: string;
  name: string;
  unit: string;
  rate: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  errors: number;
  /** rate / hello-world req/s, for request scenarios. */
  ratio: number | null;
  /** rate / the bare NestJS route's req/s (row 0b) of the same run: what the targets are stated in. */
  floorRatio?: number | null;
  target: string;
  met: boolean | null;
  halfRate?: { rate: number; p99Ms: number; errors: number; met: boolean };
  /** The server's CPU time per request in the flat-out run (user + system, from /proc). */
  cpuUsPerRequest?: number | null;
  detail?: string;
}

export interface BenchOptions {
  durationSeconds: number;
  halfRateSeconds: number;
  warmupSeconds: number;
  connections: number;
}

export function benchOptions(): BenchOptions {
  return {
    durationSeconds: Number(process.env.BENCH_DURATION ?? 6),
    halfRateSeconds: Number(process.env.BENCH_HALF_RATE_DURATION ?? 4),
    warmupSeconds: Number(process.env.BENCH_WARMUP ?? 2),
    connections: Number(process.env.BENCH_CONNECTIONS ?? 10),
  };
}

/** p99 at half the flat-out rate must stay below this (issue 14: what a service not at its limit delivers). */
export const HALF_RATE_P99_MS = 10;

/**
 * The common shape of scenarios 1–4: warm up, run flat out, then again at half the rate reached
 * (p99 there is what a service not at its limit delivers; target < 10 ms). Targets are shares of
 * the bare NestJS route (row 0b) measured in the same run; `pid` adds the server's CPU per request.
 */
export async function measureRequests(
  spec: Omit<LoadSpec, 'connections' | 'durationSeconds' | 'overallRate'>,
  options: BenchOptions & { helloWorldRate: number; floorRate?: number; minRatio: number | null; halfRate: boolean; pid?: number },
): Promise<
  Pick<ScenarioResult, 'rate' | 'p50Ms' | 'p99Ms' | 'errors' | 'ratio' | 'floorRatio' | 'target' | 'met' | 'halfRate' | 'cpuUsPerRequest'>
> {
  // A pool of existing users is first touched once each (the service then knows them, as it would
  // after minutes of traffic); then a short warm-up for the JIT.
  if (spec.users?.mode === 'cycle') await runLoad({ ...spec, connections: options.connections, amount: spec.users.count });
  if (options.warmupSeconds > 0) await runLoad({ ...spec, connections: options.connections, durationSeconds: options.warmupSeconds });
  const full = await runLoadWithCpu({ ...spec, connections: options.connections, durationSeconds: options.durationSeconds }, options.pid);
  const ratio = full.rate / options.helloWorldRate;
  const floorRatio = options.floorRate ? full.rate / options.floorRate : null;
  const result: Awaited<ReturnType<typeof measureRequests>> = {
    rate: full.rate,
    p50Ms: full.p50Ms,
    p99Ms: full.p99Ms,
    errors: full.errors,
    ratio,
    floorRatio,
    cpuUsPerRequest: full.cpuUsPerRequest,
    target: options.minRatio === null ? '—' : `≥ ${Math.round(options.minRatio * 100)} % of 0b`,
    met: options.minRatio === null ? null : floorRatio !== null && floorRatio >= options.minRatio && full.errors === 0,
  };
  if (options.halfRate) {
    const rate = Math.max(1, Math.floor(full.rate / 2));
    const half = await runLoad({ ...spec, connections: options.connections, durationSeconds: options.halfRateSeconds, overallRate: rate });
    result.halfRate = { rate, p99Ms: half.p99Ms, errors: half.errors, met: half.p99Ms < HALF_RATE_P99_MS && half.errors === 0 };
  }
  return result;
}
