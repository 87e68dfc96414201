/**
 * `npm run bench`: the service's throughput and latency next to what this machine can do.
 *
 * On a temporary embedded PostgreSQL it starts the built service as its own process (production
 * mode, LOG_LEVEL=warn), drives every scenario with autocannon from a forked load-generator process,
 * measures a bare Node `http` hello-world server in the same run as the ceiling, prints one table and
 * writes bench/results.json (git-ignored).
 *
 *   0  hello world (node:http)                         the ceiling
 *   0a bare Fastify, the assign route's shape          what the HTTP framework leaves (no target)
 *   0b bare NestJS on Fastify, same route              what NestJS leaves: the reference of the targets
 *   1  sticky assign (users already assigned)          ≥ 60 % of 0b; p99 at half rate < 10 ms
 *   1b sticky assign, not in the replica's memory      (after a restart, or on another replica)
 *   2  new-user assign (durable insert)                ≥ 30 % of 0b; p99 at half rate < 10 ms
 *   3  POST /decide (10 running experiments, 3 rollouts)             p99 at half rate < 10 ms
 *   4  rollout check                                   ≥ 95 % of 0b; p99 at half rate < 10 ms
 *   5  events/batch vs raw COPY (≥ 30 %) and single track        (bench/ingest.ts)
 *   6  results on 1M users / 10M events: fresh ≤ 3 s, cached p50 < 20 ms (bench/results-scale.ts)
 *   7  sticky assign on 1, 2 and 3 replicas sharing the database
 *   8  the SDK deciding in-process: decided users ≥ 1M/s, new users ≥ 500k/s, memory per user,
 *      exposure reporting at 50,000 decisions/s without loss (bench/sdk.ts)
 *
 * Targets (issue 14) are shares of row 0b measured in the same run, so 0b runs whenever 1–4 do. The
 * `CPU µs/req` column is the server process's CPU time (user + system, /proc) per request of the
 * flat-out run: on a machine shared with other work it moves far less than req/s does.
 *
 * Environment: BENCH_ONLY=1,4,7 (a subset; BENCH_ONLY=sdk or 8 runs only the SDK rows, without the
 * hello-world ceiling), BENCH_SDK_SECONDS (8d, 10), BENCH_SCALE (scenario 6 size, default 1 = 1M/10M),
 * BENCH_DURATION (s per flat-out run, 6), BENCH_HALF_RATE_DURATION (4), BENCH_WARMUP (2),
 * BENCH_CONNECTIONS (10), BENCH_EVENTS / BENCH_ROUNDS (scenario 5), BENCH_FSYNC=on (PostgreSQL's
 * default durability instead of fsync off), BENCH_PROFILE=<dir> (--cpu-prof of the service).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ingestScenario } from './ingest';
import { resultsScenario } from './results-scale';
import { sdkScenario } from './sdk';
import {
  ADMIN_TOKEN,
  Api,
  benchOptions,
  BenchDatabase,
  CLIENT_TOKEN,
  createRunningExperiment,
  fmt,
  log,
  measureRequests,
  ROOT,
  runLoad,
  ScenarioResult,
  seedAssignments,
  ServiceProcess,
  startDatabase,
  startFrameworkFloor,
  startHelloWorld,
  startService,
} from './support';

const STICKY_USERS = 10_000;
const COLD_USERS = 400_000;
/** Scenario 1's requests, also sent to the framework floors (0a/0b) so they compare like for like. */
const STICKY_ASSIGN = {
  method: 'POST',
  path: '/api/v1/experiments/bench-sticky/assign',
  body: '{"userId":"{user}"}',
  users: { prefix: 'sticky-', count: STICKY_USERS, mode: 'cycle' },
} as const;
const DECIDE_USERS = 5_000;
const DECIDE_EXPERIMENTS = 10;
const ROLLOUTS = [
  { modelVersion: 'ranker-v2', percentage: 10 },
  { modelVersion: 'search-v3', percentage: 25 },
  { modelVersion: 'recs-v5', percentage: 50 },
];

const only = new Set(
  (process.env.BENCH_ONLY ?? process.argv.slice(2).join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
const wanted = (id: string) => only.size === 0 || only.has(id);
const sdkWanted = wanted('8') || only.has('sdk');
// The SDK rows measure this process, not HTTP: they need no hello-world ceiling.
const onlySdk = only.size > 0 && [...only].every((id) => id === '8' || id === 'sdk');

function loadLine(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

function printTable(rows: ScenarioResult[], helloWorldRate: number): void {
  const header = [
    '#',
    'scenario',
    'rate',
    'unit',
    'p50 ms',
    'p99 ms',
    'errors',
    'vs hello',
    'vs 0b',
    'CPU µs/req',
    'target',
    'met?',
    'p99 @ ½ rate',
    'met?',
  ];
  const lines = rows.map((r) => [
    r.id,
    r.name,
    r.rate === null ? '—' : r.unit === 's' ? fmt(r.rate, 2) : fmt(r.rate),
    r.unit,
    r.p50Ms === null ? '—' : fmt(r.p50Ms, 1),
    r.p99Ms === null ? '—' : fmt(r.p99Ms, 1),
    String(r.errors),
    r.ratio === null ? '—' : `${fmt(r.ratio * 100, 1)} %`,
    r.floorRatio === undefined || r.floorRatio === null ? '—' : `${fmt(r.floorRatio * 100, 1)} %`,
    r.cpuUsPerRequest === undefined || r.cpuUsPerRequest === null ? '—' : fmt(r.cpuUsPerRequest, 1),
    r.target,
    r.met === null ? '' : r.met ? 'yes' : 'NO',
    r.halfRate ? `${fmt(r.halfRate.p99Ms, 1)} @ ${fmt(r.halfRate.rate)}/s` : '',
    r.halfRate ? (r.halfRate.met ? 'yes' : 'NO') : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells: string[]) =>
    cells.map((c, i) => (i === 1 || i === 3 || i === 10 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  log(row(header));
  log(widths.map((w) => '─'.repeat(w)).join('  '));
  for (const l of lines) log(row(l));
  if (helloWorldRate > 0) log(`hello world (ceiling): ${fmt(helloWorldRate)} req/s`);
  for (const r of rows.filter((r) => r.detail)) log(`  ${r.id}: ${r.detail}`);
}

async function requestScenarios(
  db: BenchDatabase,
  service: ServiceProcess,
  admin: Api,
  client: Api,
  helloWorldRate: number,
  floorRate: number,
): Promise<ScenarioResult[]> {
  const options = { ...benchOptions(), helloWorldRate, floorRate, pid: service.pid };
  const rows: ScenarioResult[] = [];
  const base = { urls: [service.base], headers: client.headers };
  const setupExperiments: string[] = [];

  if (wanted('1')) {
    const id = await createRunningExperiment(admin, 'bench-sticky');
    setupExperiments.push('bench-sticky');
    await seedAssignments(db, id, 'sticky-', STICKY_USERS);
    const measured = await measureRequests(
      {
        ...base,
        ...STICKY_ASSIGN,
      },
      { ...options, minRatio: 0.6, halfRate: true },
    );
    rows.push({ id: '1', name: `sticky assign (${fmt(STICKY_USERS)} users)`, unit: 'req/s', ...measured });
    log(`  1 done (load ${loadLine()})`);
  }

  if (wanted('1b')) {
    // Every request names a user who is assigned in the database but has not been seen by this
    // process: one primary-key lookup each, as after a restart or on a freshly added replica.
    const id = await createRunningExperiment(admin, 'bench-cold');
    setupExperiments.push('bench-cold');
    await seedAssignments(db, id, 'cold-', COLD_USERS);
    await db.sql.query('VACUUM ANALYZE assignments');
    const measured = await measureRequests(
      {
        ...base,
        method: 'POST',
        path: '/api/v1/experiments/bench-cold/assign',
        body: '{"userId":"{user}"}',
        users: { prefix: 'cold-', count: COLD_USERS, mode: 'sequence' },
      },
      { ...options, warmupSeconds: 0, minRatio: null, halfRate: false },
    );
    rows.push({ id: '1b', name: 'sticky assign, not in memory (DB read)', unit: 'req/s', ...measured });
    log(`  1b done (load ${loadLine()})`);
  }

  if (wanted('2')) {
    await createRunningExperiment(admin, 'bench-new');
    setupExperiments.push('bench-new');
    const measured = await measureRequests(
      {
        ...base,
        method: 'POST',
        path: '/api/v1/experiments/bench-new/assign',
        body: '{"userId":"{user}"}',
        users: { prefix: 'new-', count: 0, mode: 'new' },
      },
      { ...options, minRatio: 0.3, halfRate: true },
    );
    rows.push({ id: '2', name: 'new-user assign (durable insert)', unit: 'req/s', ...measured });
    log(`  2 done (load ${loadLine()})`);
  }

  if (wanted('3') || wanted('4')) {
    // Exactly ten running experiments: the ones above are paused (they keep their users).
    for (const key of setupExperiments) await admin.call('POST', `/api/v1/experiments/${key}/pause`, undefined, 200);
    for (let i = 0; i < DECIDE_EXPERIMENTS; i++) {
      const id = await createRunningExperiment(admin, `bench-decide-${i}`);
      await seedAssignments(db, id, 'decide-', DECIDE_USERS);
    }
    for (const rollout of ROLLOUTS) {
      const created = await admin.call<{ id: string }>(
        'POST',
        '/api/v1/rollouts',
        { name: `bench ${rollout.modelVersion}`, modelVersion: rollout.modelVersion, baselineVersion: 'v1' },
        201,
      );
      await admin.call('POST', `/api/v1/rollouts/${created.id}/start`, {}, 200);
      await admin.call('PUT', `/api/v1/rollouts/${created.id}/percentage`, { percentage: rollout.percentage, reason: 'bench' }, 200);
    }
    const running = await admin.call<{ total: number }>('GET', '/api/v1/experiments?status=running&limit=1');
    if (running.total !== DECIDE_EXPERIMENTS) throw new Error(`expected ${DECIDE_EXPERIMENTS} running experiments, found ${running.total}`);
  }

  if (wanted('3')) {
    // Every user is in all ten experiments (measureRequests touches each once before measuring).
    const measured = await measureRequests(
      {
        ...base,
        method: 'POST',
        path: '/api/v1/decide',
        body: '{"userId":"{user}"}',
        users: { prefix: 'decide-', count: DECIDE_USERS, mode: 'cycle' },
      },
      { ...options, minRatio: null, halfRate: true },
    );
    rows.push({ id: '3', name: `decide (${DECIDE_EXPERIMENTS} experiments, ${ROLLOUTS.length} rollouts)`, unit: 'req/s', ...measured });
    log(`  3 done (load ${loadLine()})`);
  }

  if (wanted('4')) {
    const measured = await measureRequests(
      {
        ...base,
        method: 'GET',
        path: `/api/v1/rollouts/check/${ROLLOUTS[1].modelVersion}?userId={user}`,
        users: { prefix: 'check-', count: 100_000, mode: 'sequence' },
      },
      { ...options, minRatio: 0.95, halfRate: true },
    );
    rows.push({ id: '4', name: 'rollout check', unit: 'req/s', ...measured });
    log(`  4 done (load ${loadLine()})`);
  }
  return rows;
}

/**
 * 0a/0b: the assign route's shape (POST with a JSON body, a small JSON answer) on bare Fastify and
 * on a bare NestJS app, under the sticky-assign load: the share of hello world that is left before
 * the service does any work of its own (authentication, rate limit, metrics, headers, lookup).
 */
async function frameworkFloors(helloWorldRate: number): Promise<ScenarioResult[]> {
  const options = benchOptions();
  const rows: ScenarioResult[] = [];
  for (const [id, kind, name] of [
    ['0a', 'fastify', 'bare Fastify, same POST route (no work)'],
    ['0b', 'nest', 'bare NestJS on Fastify, same route'],
  ] as const) {
    const server = await startFrameworkFloor(kind);
    try {
      const measured = await measureRequests(
        {
          urls: [server.base],
          ...STICKY_ASSIGN,
        },
        // At half rate too: a route that does nothing shows what p99 this machine allows at that rate.
        { ...options, helloWorldRate, minRatio: null, halfRate: true, pid: server.pid },
      );
      rows.push({ id, name, unit: 'req/s', ...measured });
    } finally {
      await server.stop();
    }
  }
  log(`  0a, 0b done (load ${loadLine()})`);
  return rows;
}

/** Scenario 7: the same sticky-assign load over 1, 2 and 3 service processes on one database. */
async function replicaScenario(db: BenchDatabase, first: ServiceProcess, admin: Api, helloWorldRate: number): Promise<ScenarioResult[]> {
  const options = benchOptions();
  const id = await createRunningExperiment(admin, 'bench-replicas');
  await seedAssignments(db, id, 'replica-', STICKY_USERS);
  const replicas = [first, await startService(db.url), await startService(db.url)];
  const rows: ScenarioResult[] = [];
  try {
    for (let n = 1; n <= 3; n++) {
      const urls = replicas.slice(0, n).map((r) => r.base);
      // Connections a multiple of the replica count: autocannon spreads them round-robin over the URLs.
      const connections = Math.ceil(options.connections / n) * n;
      // Each replica learns the users itself (its own memory), as it would after some traffic.
      await runLoad({
        urls: [replicas[n - 1].base],
        headers: { authorization: `Bearer ${CLIENT_TOKEN}` },
        method: 'POST',
        path: '/api/v1/experiments/bench-replicas/assign',
        body: '{"userId":"{user}"}',
        users: { prefix: 'replica-', count: STICKY_USERS, mode: 'cycle' },
        connections: options.connections,
        amount: STICKY_USERS,
      });
      const measured = await measureRequests(
        {
          urls,
          headers: { authorization: `Bearer ${CLIENT_TOKEN}` },
          method: 'POST',
          path: '/api/v1/experiments/bench-replicas/assign',
          body: '{"userId":"{user}"}',
          users: { prefix: 'replica-', count: STICKY_USERS, mode: 'cycle' },
        },
        { ...options, warmupSeconds: Math.max(options.warmupSeconds, 3), connections, helloWorldRate, minRatio: null, halfRate: false },
      );
      rows.push({
        id: `7.${n}`,
        name: `sticky assign, ${n} replica${n > 1 ? 's' : ''} (${connections} conns)`,
        unit: 'req/s',
        ...measured,
      });
    }
  } finally {
    await replicas[2].stop();
    await replicas[1].stop();
  }
  log(`  7 done (load ${loadLine()})`);
  return rows;
}

async function main(): Promise<void> {
  const started = performance.now();
  const options = benchOptions();
  const loadBefore = loadLine();
  log(`bench: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}, load average ${loadBefore}`);
  if (only.size > 0) log(`bench: only scenarios ${[...only].join(', ')}`);

  const db = await startDatabase();
  log(
    `bench: embedded PostgreSQL in ${db.dataDir} — ${db.fsync ? 'default durability (fsync on)' : 'fsync, synchronous_commit and full_page_writes OFF (BENCH_FSYNC=on for the defaults)'}`,
  );
  let service: ServiceProcess | null = null;
  const rows: ScenarioResult[] = [];
  let helloWorldRate = 0;
  try {
    if (!onlySdk) {
      const hello = await startHelloWorld();
      try {
        await runLoad({
          urls: [hello.base],
          method: 'GET',
          path: '/',
          connections: options.connections,
          durationSeconds: options.warmupSeconds,
        });
        const report = await runLoad({
          urls: [hello.base],
          method: 'GET',
          path: '/',
          connections: options.connections,
          durationSeconds: options.durationSeconds,
        });
        helloWorldRate = report.rate;
        rows.push({
          id: '0',
          name: 'hello world (node:http, the ceiling)',
          unit: 'req/s',
          rate: report.rate,
          p50Ms: report.p50Ms,
          p99Ms: report.p99Ms,
          errors: report.errors,
          ratio: 1,
          target: '—',
          met: null,
        });
        log(`  0 done: ${fmt(report.rate)} req/s (load ${loadLine()})`);
      } finally {
        await hello.stop();
      }
    }

    // The targets of 1–4 are shares of 0b: it runs whenever any of them does.
    if (wanted('0') || ['1', '1b', '2', '3', '4'].some((id) => only.has(id))) rows.push(...(await frameworkFloors(helloWorldRate)));
    const floorRate = rows.find((r) => r.id === '0b')?.rate ?? 0;

    service = await startService(db.url);
    log(`bench: service pid ${service.pid} on ${service.base} (NODE_ENV=production, LOG_LEVEL=warn)`);
    const admin = new Api(service.base, ADMIN_TOKEN);
    const client = new Api(service.base, CLIENT_TOKEN);

    rows.push(...(await requestScenarios(db, service, admin, client, helloWorldRate, floorRate)));
    if (wanted('7')) rows.push(...(await replicaScenario(db, service, admin, helloWorldRate)));
    if (wanted('5')) {
      rows.push(...(await ingestScenario(db, service, admin, client, { ...options, helloWorldRate })));
      log(`  5 done (load ${loadLine()})`);
    }
    if (wanted('6')) {
      rows.push(...(await resultsScenario(db, service, admin, options)));
      log(`  6 done (load ${loadLine()})`);
    }
    if (sdkWanted) {
      rows.push(...(await sdkScenario(service, admin)));
      log(`  8 done (load ${loadLine()})`);
    }
  } finally {
    const code = await service?.stop();
    if (code !== undefined && code !== 0) log(`bench: the service exited with ${code} on SIGTERM`);
    await db.stop();
  }

  const seconds = (performance.now() - started) / 1000;
  const loadAfter = loadLine();
  log('');
  printTable(rows, helloWorldRate);
  log(
    `scale ${process.env.BENCH_SCALE ?? '1'} · ${options.connections} connections · ${options.durationSeconds} s per run (${options.halfRateSeconds} s at half rate) · ` +
      `load average before ${loadBefore}, after ${loadAfter} · total ${fmt(seconds, 0)} s`,
  );
  // The reference rows (0, 0a, 0b) have no targets of their own.
  const failed = rows.filter((r) => !r.id.startsWith('0') && (r.met === false || r.halfRate?.met === false || r.errors > 0));
  log(failed.length === 0 ? 'every target met' : `targets not met: ${failed.map((r) => r.id).join(', ')}`);
  const nestFloor = rows.find((r) => r.id === '0b');
  if (nestFloor?.ratio) {
    const cpu = nestFloor.cpuUsPerRequest;
    log(
      `NestJS floor (0b): a bare NestJS route with no work reaches ${fmt(nestFloor.ratio * 100, 1)} % of hello world here` +
        (cpu ? `, at ${fmt(cpu, 1)} µs of CPU per request` : ''),
    );
    for (const r of rows.filter((r) => r.id !== '0b' && r.cpuUsPerRequest && cpu)) {
      log(
        `  ${r.id}: CPU per request ${fmt((r.cpuUsPerRequest! / cpu!) * 100, 0)} % of 0b's (0b's CPU / this row's: ${fmt((cpu! / r.cpuUsPerRequest!) * 100, 1)} %)`,
      );
    }
  }

  const file = path.join(ROOT, 'bench', 'results.json');
  fs.writeFileSync(
    file,
    JSON.stringify(
      {
        at: new Date().toISOString(),
        machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, loadBefore, loadAfter },
        database: { embedded: true, fsync: db.fsync },
        scale: Number(process.env.BENCH_SCALE ?? 1),
        options,
        helloWorldRate,
        scenarios: rows,
        totalSeconds: seconds,
      },
      null,
      2,
    ) + '\n',
  );
  log(`written to ${path.relative(process.cwd(), file)}`);
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    process.stderr.write(`bench failed: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
