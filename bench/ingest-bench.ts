/**
 * Event ingestion benchmark (`npm run bench`; not a test). On a temporary embedded PostgreSQL it
 * starts the real app, enrols 10,000 users in a running experiment and measures:
 *   1. events/s through POST /api/v1/events/batch, 1,000-event batches, 4 concurrent clients;
 *   2. the raw rate of PostgreSQL COPY of the same rows into the same table (empty again first),
 *      as one stream and as 1,000-row COPYs on 4 connections;
 *   (1 and 2 alternate for BENCH_ROUNDS rounds and the best of each counts)
 *   3. single POST /experiments/:key/track calls: req/s and latency percentiles.
 * The HTTP clients run in a worker thread so they do not share the server's event loop.
 * Bounded: about 30–50 s on a 2-core machine. Sizes: BENCH_EVENTS (60,000), BENCH_ROUNDS (2),
 * BENCH_TRACK_SECONDS (5).
 */
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Client } from 'pg';

const USERS = 10_000;
const BATCH_SIZE = 1_000;
const CLIENTS = 4;
const TRACK_CLIENTS = 8;
const EVENTS = Number(process.env.BENCH_EVENTS ?? 60_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const TRACK_SECONDS = Number(process.env.BENCH_TRACK_SECONDS ?? 5);
const EXPERIMENT_KEY = 'bench-checkout';
const EVENT_NAMES = ['purchase', 'revenue', 'click'];

interface BenchEvent {
  experiment: string;
  userId: string;
  eventName: string;
  value: number;
  properties: Record<string, unknown>;
  eventId: string;
  timestamp: string;
}

type WorkerTask =
  | { kind: 'batches'; url: string; bodies: string[]; concurrency: number }
  | { kind: 'track'; url: string; bodies: string[]; concurrency: number; seconds: number };

interface WorkerReport {
  seconds: number;
  requests: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  failures: number;
  latenciesMs: number[];
}

/* ---------------------------------------------------------------- HTTP clients (worker thread) */

async function runClients(task: WorkerTask): Promise<WorkerReport> {
  const report: WorkerReport = { seconds: 0, requests: 0, accepted: 0, duplicates: 0, rejected: 0, failures: 0, latenciesMs: [] };
  let next = 0;
  const started = performance.now();
  const deadline = task.kind === 'track' ? started + task.seconds * 1000 : Infinity;
  const client = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const index = next++;
      if (task.kind === 'batches' && index >= task.bodies.length) return;
      const body = task.bodies[index % task.bodies.length];
      const t0 = performance.now();
      const res = await fetch(task.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const answer = (await res.json()) as { accepted?: number; duplicates?: number; rejected?: unknown[]; duplicate?: boolean };
      report.latenciesMs.push(performance.now() - t0);
      report.requests++;
      if (task.kind === 'batches' && res.status === 200) {
        report.accepted += answer.accepted ?? 0;
        report.duplicates += answer.duplicates ?? 0;
        report.rejected += answer.rejected?.length ?? 0;
      } else if (task.kind === 'track' && res.status === 202) {
        if (answer.duplicate) report.duplicates++;
        else report.accepted++;
      } else {
        report.failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: task.concurrency }, client));
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

function inWorker(task: WorkerTask): Promise<WorkerReport> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(__filename, { workerData: task });
    worker.once('message', (report: WorkerReport) => {
      resolve(report);
      // Keep-alive sockets would hold the worker open; its work is done.
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`bench worker exited with ${code} before reporting`)));
  });
}

/* ---------------------------------------------------------------- COPY FROM STDIN with plain pg */

/**
 * A minimal pg "submittable" for COPY … FROM STDIN (what pg-copy-streams does, without the
 * dependency): send the query, stream the data when the server asks for it, finish.
 */
function copyFrom(client: Client, sql: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    let failed: Error | null = null;
    const submittable = {
      submit(connection: { query(text: string): void }) {
        connection.query(sql);
      },
      handleCopyInResponse(connection: { sendCopyFromChunk(chunk: Buffer): void; endCopyFrom(): void }) {
        const CHUNK = 64 * 1024;
        for (let offset = 0; offset < data.length; offset += CHUNK) connection.sendCopyFromChunk(data.subarray(offset, offset + CHUNK));
        connection.endCopyFrom();
      },
      handleCommandComplete() {},
      handleError(error: Error) {
        failed = error;
      },
      handleReadyForQuery() {
        if (failed) reject(failed);
        else resolve();
      },
      handleEmptyQuery() {},
      handleRowDescription() {},
      handleDataRow() {},
      handleCopyData() {},
      handlePortalSuspended() {},
    };
    void (client as unknown as { query(s: object): unknown }).query(submittable);
  });
}

/** COPY text format: tab-separated, \N for null, backslash escapes. */
function copyField(value: string | null): string {
  if (value === null) return '\\N';
  return value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

function copyRows(experimentId: string, events: BenchEvent[], variantOf: Map<string, string>): Buffer {
  const lines = events.map((e) =>
    [
      experimentId,
      e.userId,
      variantOf.get(e.userId) ?? 'control',
      e.eventName,
      String(e.value),
      JSON.stringify(e.properties),
      e.eventId,
      e.timestamp,
    ]
      .map(copyField)
      .join('\t'),
  );
  return Buffer.from(lines.join('\n') + '\n');
}

const COPY_SQL = 'COPY events (experiment_id, user_id, variant, event_name, value, properties, event_id, occurred_at) FROM STDIN';

/* ---------------------------------------------------------------- main */

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  const benchStarted = performance.now();
  // Imported here so the worker thread does not load Nest.
  const { createApp } = await import('../src/app.setup');
  const { loadConfig } = await import('../src/config/app-config');
  const { startEmbeddedDatabase } = await import('../src/database/embedded-database');
  const { runMigrations } = await import('../src/database/migrate');

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'experimentation-bench-'));
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(`bench: embedded PostgreSQL in ${dataDir} (default durability: fsync on, synchronous_commit on)`);
  const embedded = await startEmbeddedDatabase(dataDir);
  let app: Awaited<ReturnType<typeof createApp>> | null = null;
  const db = new Client({ connectionString: embedded.url });
  try {
    await runMigrations(embedded.url);
    const config = loadConfig({ LOG_LEVEL: 'error', NODE_ENV: 'development', DATA_DIR: dataDir });
    app = await createApp(config, embedded.url);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.getHttpServer().address() as { port: number };
    const base = `http://127.0.0.1:${address.port}/api/v1`;
    await db.connect();

    // A running experiment with 10,000 enrolled users (enrolled in SQL: assignment is not what is measured).
    const created = await fetch(`${base}/experiments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Bench checkout',
        key: EXPERIMENT_KEY,
        variants: [
          { name: 'control', weight: 0.5, config: {} },
          { name: 'green', weight: 0.5, config: {} },
        ],
        metrics: [
          { name: 'purchase', type: 'conversion', role: 'primary' },
          { name: 'revenue', type: 'mean', role: 'secondary' },
        ],
      }),
    });
    if (created.status !== 201) throw new Error(`create experiment: ${created.status} ${await created.text()}`);
    const experimentId = ((await created.json()) as { id: string }).id;
    const started = await fetch(`${base}/experiments/${EXPERIMENT_KEY}/start`, { method: 'POST' });
    if (started.status !== 200) throw new Error(`start experiment: ${started.status}`);
    await db.query(
      `INSERT INTO assignments (experiment_id, user_id, variant)
       SELECT $1, 'user-' || i, CASE WHEN i % 2 = 0 THEN 'control' ELSE 'green' END FROM generate_series(0, $2 - 1) AS i`,
      [experimentId, USERS],
    );
    const variantOf = new Map<string, string>();
    for (let i = 0; i < USERS; i++) variantOf.set(`user-${i}`, i % 2 === 0 ? 'control' : 'green');

    const baseTime = Date.now() - 3_600_000;
    const makeEvents = (prefix: string, n: number): BenchEvent[] =>
      Array.from({ length: n }, (_, i) => ({
        experiment: EXPERIMENT_KEY,
        userId: `user-${(i * 7919) % USERS}`,
        eventName: EVENT_NAMES[i % EVENT_NAMES.length],
        value: Math.round(((i * 37) % 1000) * 1.25) / 100,
        properties: { source: 'bench', sku: `sku-${i % 50}` },
        eventId: `${prefix}-${i}`,
        timestamp: new Date(baseTime + i).toISOString(),
      }));
    const batchBodies = (events: BenchEvent[]): string[] => {
      const bodies: string[] = [];
      for (let i = 0; i < events.length; i += BATCH_SIZE) bodies.push(JSON.stringify({ events: events.slice(i, i + BATCH_SIZE) }));
      return bodies;
    };
    const countEvents = async () => Number((await db.query('SELECT count(*) FROM events')).rows[0].count);
    const reset = async () => {
      await db.query('TRUNCATE events');
      await db.query('CHECKPOINT');
    };

    // Warm-up: JIT, connection pools, catalog cache, page cache.
    await inWorker({
      kind: 'batches',
      url: `${base}/events/batch`,
      bodies: batchBodies(makeEvents('warm', 8 * BATCH_SIZE)),
      concurrency: CLIENTS,
    });
    await copyFrom(db, COPY_SQL, copyRows(experimentId, makeEvents('warm-copy', 8 * BATCH_SIZE), variantOf));
    await reset();

    // 1 + 2, alternated ROUNDS times (best of each): the machine may be shared, and a burst of
    // someone else's load during one phase should not decide the ratio.
    const events = makeEvents('evt', EVENTS);
    const bodies = batchBodies(events);
    const copyData = copyRows(experimentId, events, variantOf);
    const chunks: Buffer[] = [];
    for (let i = 0; i < events.length; i += BATCH_SIZE) chunks.push(copyRows(experimentId, events.slice(i, i + BATCH_SIZE), variantOf));
    const copyClients = await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        const c = new Client({ connectionString: embedded.url });
        await c.connect();
        return c;
      }),
    );
    let http: WorkerReport | null = null;
    let replay: WorkerReport | null = null;
    let copySingleSeconds = Infinity;
    let copyParallelSeconds = Infinity;
    for (let round = 0; round < ROUNDS; round++) {
      // HTTP batch ingest.
      const run = await inWorker({ kind: 'batches', url: `${base}/events/batch`, bodies, concurrency: CLIENTS });
      const storedByHttp = await countEvents();
      if (run.failures > 0 || run.accepted !== EVENTS || storedByHttp !== EVENTS) {
        throw new Error(`batch ingest lost events: accepted ${run.accepted}, stored ${storedByHttp}, failures ${run.failures}`);
      }
      if (http === null || run.seconds < http.seconds) http = run;
      if (round === 0) {
        // Idempotency under load: sending events again stores nothing more.
        replay = await inWorker({ kind: 'batches', url: `${base}/events/batch`, bodies: bodies.slice(0, 20), concurrency: CLIENTS });
        if (replay.duplicates !== 20 * BATCH_SIZE || (await countEvents()) !== EVENTS)
          throw new Error('replayed batches were stored again');
      }
      await reset();

      // Raw COPY of the same rows: one stream.
      let t0 = performance.now();
      await copyFrom(db, COPY_SQL, copyData);
      copySingleSeconds = Math.min(copySingleSeconds, (performance.now() - t0) / 1000);
      if ((await countEvents()) !== EVENTS) throw new Error('COPY did not store every row');
      await reset();

      // And 1,000-row COPYs from 4 connections, the shape of the HTTP run.
      let nextChunk = 0;
      t0 = performance.now();
      await Promise.all(
        copyClients.map(async (c) => {
          for (let i = nextChunk++; i < chunks.length; i = nextChunk++) await copyFrom(c, COPY_SQL, chunks[i]);
        }),
      );
      copyParallelSeconds = Math.min(copyParallelSeconds, (performance.now() - t0) / 1000);
      if ((await countEvents()) !== EVENTS) throw new Error('parallel COPY did not store every row');
      await reset();
    }
    await Promise.all(copyClients.map((c) => c.end()));
    if (http === null || replay === null) throw new Error('no rounds ran');

    // 3. Single track calls (each with its own eventId, 8 concurrent clients, fixed duration).
    const trackBodies = makeEvents('track', 50_000).map(({ experiment: _experiment, ...event }) => JSON.stringify(event));
    const track = await inWorker({
      kind: 'track',
      url: `${base}/experiments/${EXPERIMENT_KEY}/track`,
      bodies: trackBodies,
      concurrency: TRACK_CLIENTS,
      seconds: TRACK_SECONDS,
    });
    if (track.failures > 0 || (await countEvents()) !== track.accepted) throw new Error(`track: ${track.failures} failures`);

    const httpRate = EVENTS / http.seconds;
    const copySingleRate = EVENTS / copySingleSeconds;
    const copyParallelRate = EVENTS / copyParallelSeconds;
    const rawCopyRate = Math.max(copySingleRate, copyParallelRate);
    const batchLatencies = [...http.latenciesMs].sort((a, b) => a - b);
    const trackLatencies = [...track.latenciesMs].sort((a, b) => a - b);
    const ratio = httpRate / rawCopyRate;

    log('');
    log(
      `Event ingestion: ${fmt(EVENTS)} events, ${fmt(USERS)} assigned users, ${os.cpus().length} CPUs, Node ${process.version}, load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    log(
      `  POST /events/batch (${fmt(BATCH_SIZE)}/batch, ${CLIENTS} clients)  ${fmt(httpRate).padStart(9)} events/s   (${fmt(http.seconds, 2)} s; batch p50 ${fmt(percentile(batchLatencies, 50), 1)} ms, p99 ${fmt(percentile(batchLatencies, 99), 1)} ms)`,
    );
    log(`  COPY, one stream                            ${fmt(copySingleRate).padStart(9)} rows/s     (${fmt(copySingleSeconds, 2)} s)`);
    log(
      `  COPY, ${fmt(BATCH_SIZE)}-row COPYs on ${CLIENTS} connections      ${fmt(copyParallelRate).padStart(9)} rows/s     (${fmt(copyParallelSeconds, 2)} s)`,
    );
    log(
      `  ratio batch / raw COPY (best of the two)    ${fmt(ratio * 100, 1).padStart(9)} %          (target ≥ 30 %: ${ratio >= 0.3 ? 'met' : 'NOT met'})`,
    );
    log(`  replay of ${fmt(20 * BATCH_SIZE)} events: ${fmt(replay.duplicates)} duplicates, nothing stored twice`);
    log(`  (best of ${ROUNDS} alternated rounds for the batch and COPY figures)`);
    log(
      `  POST /experiments/:key/track (${TRACK_CLIENTS} clients)       ${fmt(track.requests / track.seconds).padStart(9)} req/s      (p50 ${fmt(percentile(trackLatencies, 50), 2)} ms, p99 ${fmt(percentile(trackLatencies, 99), 2)} ms, ${fmt(track.requests)} requests)`,
    );
    log(`  total bench time ${fmt((performance.now() - benchStarted) / 1000, 1)} s`);
  } finally {
    await db.end().catch(() => undefined);
    if (app) await app.close();
    await embedded.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (isMainThread) {
  main().then(
    () => process.exit(0),
    (error: Error) => {
      process.stderr.write(`bench failed: ${error.stack ?? error.message}\n`);
      process.exit(1);
    },
  );
} else {
  void runClients(workerData as WorkerTask).then((report) => parentPort?.postMessage(report));
}
