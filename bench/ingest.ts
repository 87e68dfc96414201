/**
 * Scenario 5 of `npm run bench`: event ingestion.
 *   5a. events/s through POST /api/v1/events/batch, 1,000-event batches, 4 concurrent connections;
 *   5b. the raw rate of PostgreSQL COPY of the same rows into the same table (emptied first), as one
 *       stream and as 1,000-row COPYs on 4 connections — the target is batch ≥ 30 % of the faster;
 *       5a and 5b alternate for BENCH_ROUNDS rounds and the best of each counts (shared machines);
 *   5c. single POST /experiments/:key/track calls (each its own eventId): req/s and latency.
 * Every round checks that what was acknowledged is exactly what is stored, and a replay of 20,000
 * events stores nothing more.
 */
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import {
  Api,
  BenchDatabase,
  BenchOptions,
  createRunningExperiment,
  fmt,
  log,
  runLoad,
  ScenarioResult,
  seedAssignments,
  ServiceProcess,
} from './support';

const USERS = 10_000;
const BATCH_SIZE = 1_000;
const CLIENTS = 4;
const EXPERIMENT_KEY = 'bench-ingest';
const USER_PREFIX = 'ingest-';
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

const variantOf = (userId: string) => (Number(userId.slice(USER_PREFIX.length)) % 2 === 0 ? 'control' : 'treatment');

function copyRows(experimentId: string, events: BenchEvent[]): Buffer {
  const lines = events.map((e) =>
    [experimentId, e.userId, variantOf(e.userId), e.eventName, String(e.value), JSON.stringify(e.properties), e.eventId, e.timestamp]
      .map(copyField)
      .join('\t'),
  );
  return Buffer.from(lines.join('\n') + '\n');
}

const COPY_SQL = 'COPY events (experiment_id, user_id, variant, event_name, value, properties, event_id, occurred_at) FROM STDIN';

export async function ingestScenario(
  db: BenchDatabase,
  service: ServiceProcess,
  admin: Api,
  client: Api,
  options: BenchOptions & { helloWorldRate: number },
): Promise<ScenarioResult[]> {
  const totalEvents = Number(process.env.BENCH_EVENTS ?? 60_000);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
  const experimentId = await createRunningExperiment(admin, EXPERIMENT_KEY, [
    { name: 'purchase', type: 'conversion', role: 'primary' },
    { name: 'revenue', type: 'mean', role: 'secondary' },
  ]);
  await seedAssignments(db, experimentId, USER_PREFIX, USERS);

  const baseTime = Date.now() - 3_600_000;
  const makeEvents = (prefix: string, n: number): BenchEvent[] =>
    Array.from({ length: n }, (_, i) => ({
      experiment: EXPERIMENT_KEY,
      userId: `${USER_PREFIX}${(i * 7919) % USERS}`,
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
  const countEvents = async () => Number((await db.sql.query('SELECT count(*) FROM events')).rows[0].count);
  const reset = async () => {
    await db.sql.query('TRUNCATE events, event_user_totals');
    await db.sql.query('CHECKPOINT');
  };
  const sendBatches = (bodies: string[]) =>
    runLoad({
      urls: [service.base],
      method: 'POST',
      path: '/api/v1/events/batch',
      headers: client.headers,
      bodies,
      connections: CLIENTS,
    });

  // Warm-up: JIT, connection pools, catalog cache, page cache.
  await sendBatches(batchBodies(makeEvents('warm', 8 * BATCH_SIZE)));
  await copyFrom(db.sql, COPY_SQL, copyRows(experimentId, makeEvents('warm-copy', 8 * BATCH_SIZE)));
  await reset();

  const events = makeEvents('evt', totalEvents);
  const bodies = batchBodies(events);
  const copyData = copyRows(experimentId, events);
  const chunks: Buffer[] = [];
  for (let i = 0; i < events.length; i += BATCH_SIZE) chunks.push(copyRows(experimentId, events.slice(i, i + BATCH_SIZE)));
  const copyClients = await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const c = new Client({ connectionString: db.url });
      await c.connect();
      return c;
    }),
  );
  let batch: Awaited<ReturnType<typeof sendBatches>> | null = null;
  let copySingleSeconds = Infinity;
  let copyParallelSeconds = Infinity;
  for (let round = 0; round < rounds; round++) {
    const run = await sendBatches(bodies);
    const stored = await countEvents();
    if (run.errors > 0 || run.ok !== bodies.length || stored !== totalEvents) {
      throw new Error(`batch ingest: ${run.ok}/${bodies.length} batches acknowledged, ${stored}/${totalEvents} events stored`);
    }
    if (batch === null || run.seconds < batch.seconds) batch = run;
    if (round === 0) {
      // Idempotency under load: sending 20,000 events again stores nothing more.
      const replay = await sendBatches(bodies.slice(0, 20));
      if (replay.errors > 0 || (await countEvents()) !== totalEvents) throw new Error('replayed batches were stored again');
    }
    await reset();

    let t0 = performance.now();
    await copyFrom(db.sql, COPY_SQL, copyData);
    copySingleSeconds = Math.min(copySingleSeconds, (performance.now() - t0) / 1000);
    if ((await countEvents()) !== totalEvents) throw new Error('COPY did not store every row');
    await reset();

    let nextChunk = 0;
    t0 = performance.now();
    await Promise.all(
      copyClients.map(async (c) => {
        for (let i = nextChunk++; i < chunks.length; i = nextChunk++) await copyFrom(c, COPY_SQL, chunks[i]);
      }),
    );
    copyParallelSeconds = Math.min(copyParallelSeconds, (performance.now() - t0) / 1000);
    if ((await countEvents()) !== totalEvents) throw new Error('parallel COPY did not store every row');
    await reset();
  }
  await Promise.all(copyClients.map((c) => c.end()));
  if (batch === null) throw new Error('no rounds ran');

  // Single track calls, each with its own eventId.
  const track = await runLoad({
    urls: [service.base],
    method: 'POST',
    path: `/api/v1/experiments/${EXPERIMENT_KEY}/track`,
    headers: client.headers,
    body: '{"userId":"{user}","eventName":"click","value":1,"eventId":"track-{n}"}',
    users: { prefix: USER_PREFIX, count: USERS, mode: 'cycle' },
    connections: options.connections,
    durationSeconds: options.durationSeconds,
  });
  const storedTracks = await countEvents();
  // autocannon stops at the deadline without waiting for the requests still in flight (at most one
  // per connection): those may be stored without being counted.
  if (storedTracks < track.ok || storedTracks > track.ok + options.connections) {
    throw new Error(`track: ${track.ok} acknowledged, ${storedTracks} stored`);
  }

  const batchRate = totalEvents / batch.seconds;
  const copySingleRate = totalEvents / copySingleSeconds;
  const copyParallelRate = totalEvents / copyParallelSeconds;
  const rawCopy = Math.max(copySingleRate, copyParallelRate);
  const ratio = batchRate / rawCopy;
  log(
    `  5: ${fmt(totalEvents)} events, best of ${rounds} alternated rounds; COPY one stream ${fmt(copySingleRate)} rows/s, ` +
      `${CLIENTS} × 1,000-row COPYs ${fmt(copyParallelRate)} rows/s; a replay of 20,000 events stored nothing`,
  );
  return [
    {
      id: '5a',
      name: `events/batch (1,000 per batch, ${CLIENTS} conns)`,
      unit: 'events/s',
      rate: batchRate,
      p50Ms: batch.p50Ms,
      p99Ms: batch.p99Ms,
      errors: batch.errors,
      ratio: null,
      target: '≥ 30 % of raw COPY',
      met: ratio >= 0.3 && batch.errors === 0,
      detail: `${fmt(ratio * 100, 1)} % of raw COPY (${fmt(rawCopy)} rows/s); latencies per batch`,
    },
    {
      id: '5b',
      name: 'raw COPY of the same rows (reference)',
      unit: 'rows/s',
      rate: rawCopy,
      p50Ms: null,
      p99Ms: null,
      errors: 0,
      ratio: null,
      target: '—',
      met: null,
      detail: copyParallelRate >= copySingleRate ? `${CLIENTS} × 1,000-row COPYs` : 'one COPY stream',
    },
    {
      id: '5c',
      name: 'single track (one event per request)',
      unit: 'events/s',
      rate: track.rate,
      p50Ms: track.p50Ms,
      p99Ms: track.p99Ms,
      errors: track.errors,
      ratio: track.rate / options.helloWorldRate,
      target: '—',
      met: null,
    },
  ];
}
