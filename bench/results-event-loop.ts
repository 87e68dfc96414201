/**
 * How long /results and /results/timeseries hold the service's event loop (issue 13 item 3,
 * issue 15): the service runs in this process (createApp, as in production), each request is made
 * alone with perf_hooks.monitorEventLoopDelay sampling every 5 ms, and the worst delay is printed
 * next to the wall time. The budget is 100 ms per request.
 *
 *   npm run bench:event-loop     (npm run build && node dist/bench/results-event-loop.js)
 *
 * Data: a 1M-user / 10M-event experiment shaped like bench/results-scale.ts (purchase primary,
 * revenue secondary mean, refund guardrail; RESULTS_EL_SCALE=0.1 → 100k / 1M), and the hostile one of
 * issue 13: 20,000 events for 4 users, one day apart. DATABASE_URL reuses a server (a database
 * `results_event_loop` is created in it and kept, so a second run skips the seeding); without it an
 * embedded PostgreSQL is started in a temporary directory. RESULTS_EL_DATABASE / RESULTS_EL_KEY name
 * another database / an experiment already seeded there (its seeding is then skipped);
 * RESULTS_EL_ONLY=<regex> measures only the matching requests, RESULTS_EL_REPEAT=n each n times.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { createApp } from '../src/app.setup';
import { loadConfig } from '../src/config/app-config';
import { runMigrations } from '../src/database/migrate';
import { seedScale, seedSpread } from './results-data';
import { fmt, log, startDatabase } from './support';

const ADMIN = 'event-loop-bench-admin-token';
const BUDGET_MS = 100;

interface Row {
  request: string;
  status: number;
  wallMs: number;
  maxDelayMs: number;
  points?: number;
}

async function database(): Promise<{ url: string; stop(): Promise<void> }> {
  const server = process.env.DATABASE_URL;
  if (!server) {
    const db = await startDatabase();
    return { url: db.url, stop: () => db.stop() };
  }
  const name = process.env.RESULTS_EL_DATABASE ?? 'results_event_loop';
  const admin = new Client({ connectionString: server });
  await admin.connect();
  const exists = (await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name])).rowCount;
  if (!exists) await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  await runMigrations(url.toString());
  return { url: url.toString(), stop: async () => undefined };
}

async function createRunning(base: string, key: string, metrics: unknown[]): Promise<string> {
  const headers = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
  const existing = await fetch(`${base}/api/v1/experiments/${key}`, { headers });
  if (existing.status === 200) return ((await existing.json()) as { id: string }).id;
  const created = await fetch(`${base}/api/v1/experiments`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      name: key,
      key,
      variants: [
        { name: 'control', weight: 0.5 },
        { name: 'treatment', weight: 0.5 },
      ],
      metrics,
    }),
  });
  const { id } = (await created.json()) as { id: string };
  await fetch(`${base}/api/v1/experiments/${key}/start`, { method: 'POST', headers });
  return id;
}

async function measure(base: string, request: string): Promise<Row> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  const t0 = performance.now();
  const res = await fetch(`${base}${request}`, { headers: { authorization: `Bearer ${ADMIN}` } });
  const body = (await res.json()) as { points?: unknown[] };
  const wallMs = performance.now() - t0;
  histogram.disable();
  return { request, status: res.status, wallMs, maxDelayMs: histogram.max / 1e6, points: body.points?.length };
}

async function main(): Promise<void> {
  const scale = Number(process.env.RESULTS_EL_SCALE ?? 1);
  const db = await database();
  const config = loadConfig({ LOG_LEVEL: 'warn', ADMIN_TOKEN: ADMIN, RATE_LIMIT_PER_MINUTE: '1000000', ROLLOUT_TICK_SECONDS: '3600' });
  const app = await createApp(config, db.url);
  await app.listen(0, '127.0.0.1');
  const base = await app.getUrl();
  const sql = new Client({ connectionString: db.url });
  await sql.connect();
  try {
    const key = process.env.RESULTS_EL_KEY ?? `el-scale-${scale}`;
    const scaleId = await createRunning(base, key, [
      { name: 'purchase', type: 'conversion', role: 'primary' },
      { name: 'revenue', type: 'mean', role: 'secondary' },
      { name: 'refund', type: 'conversion', role: 'guardrail', goal: 'decrease' },
    ]);
    const seededMs = await seedScale(sql, scaleId, Math.round(1_000_000 * scale), Math.round(10_000_000 * scale));
    if (seededMs > 0) log(`  seeded ${fmt(1_000_000 * scale)} users / ${fmt(10_000_000 * scale)} events in ${fmt(seededMs / 1000, 0)} s`);
    const spreadId = await createRunning(base, 'el-spread', [{ name: 'revenue', type: 'mean', role: 'primary' }]);
    await seedSpread(sql, spreadId);

    const requests = [
      `/api/v1/experiments/${key}/results?fresh=true`,
      `/api/v1/experiments/${key}/results`,
      `/api/v1/experiments/${key}/results?fresh=true&analysis=sequential`,
      `/api/v1/experiments/${key}/results/timeseries?interval=day`,
      `/api/v1/experiments/${key}/results/timeseries?interval=hour`,
      `/api/v1/experiments/${key}/results/timeseries?metric=revenue&interval=hour&analysis=sequential`,
      `/api/v1/experiments/el-spread/results/timeseries?interval=day`,
      `/api/v1/experiments/el-spread/results/timeseries?interval=hour`,
    ];
    const only = process.env.RESULTS_EL_ONLY ? new RegExp(process.env.RESULTS_EL_ONLY) : null;
    const rows: Row[] = [];
    const repeat = Number(process.env.RESULTS_EL_REPEAT ?? 1);
    for (const request of requests.filter((r) => !only || only.test(r))) {
      for (let i = 0; i < repeat; i++) rows.push(await measure(base, request));
    }
    log(
      `\nEvent-loop delay per request (scale ${scale}: ${fmt(1_000_000 * scale)} users, ${fmt(10_000_000 * scale)} events; budget ${BUDGET_MS} ms)`,
    );
    for (const r of rows) {
      log(
        `  ${r.maxDelayMs <= BUDGET_MS ? 'ok  ' : 'OVER'} max delay ${fmt(r.maxDelayMs, 1).padStart(7)} ms   wall ${fmt(r.wallMs, 0).padStart(7)} ms   ` +
          `${r.status}${r.points === undefined ? '' : ` ${r.points} points`}   ${r.request}`,
      );
    }
    process.exitCode = rows.every((r) => r.status === 200 && r.maxDelayMs <= BUDGET_MS) ? 0 : 1;
  } finally {
    await sql.end();
    await app.close();
    await db.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
