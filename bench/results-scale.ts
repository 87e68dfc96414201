/**
 * Scenario 6 of `npm run bench`: /results of one experiment with 1M assigned users and 10M events
 * (BENCH_SCALE=0.1 → 100k / 1M for a quick run).
 *
 * Seeded in SQL with generate_series, as fast as PostgreSQL can: the events go in without their
 * secondary indexes, which are then built once (the same definitions, read from pg_indexes), and
 * event_user_totals is filled with one INSERT … SELECT … GROUP BY — exactly the rows the ingest
 * statement would have maintained event by event.
 *   fresh:  GET /results?fresh=true three times (the first on a just-seeded database); target ≤ 3 s;
 *   cached: GET /results under load (the service's result cache); target p50 < 20 ms.
 */
import { performance } from 'node:perf_hooks';
import { Api, BenchDatabase, BenchOptions, createRunningExperiment, fmt, log, runLoad, ScenarioResult, ServiceProcess } from './support';

const KEY = 'bench-results';

async function timed<T>(work: () => Promise<T>): Promise<number> {
  const t0 = performance.now();
  await work();
  return (performance.now() - t0) / 1000;
}

export async function resultsScenario(
  db: BenchDatabase,
  service: ServiceProcess,
  admin: Api,
  options: BenchOptions,
): Promise<ScenarioResult[]> {
  const scale = Number(process.env.BENCH_SCALE ?? 1);
  const users = Math.round(1_000_000 * scale);
  const events = Math.round(10_000_000 * scale);
  const experimentId = await createRunningExperiment(admin, KEY, [
    { name: 'purchase', type: 'conversion', role: 'primary' },
    { name: 'revenue', type: 'mean', role: 'secondary' },
    { name: 'refund', type: 'conversion', role: 'guardrail', goal: 'decrease' },
  ]);
  const sql = db.sql;
  await sql.query(`SET maintenance_work_mem = '512MB'`);
  await sql.query(`SET work_mem = '256MB'`);

  const seedStarted = performance.now();
  const step = async (label: string, work: () => Promise<unknown>) => {
    const seconds = await timed(work);
    log(`  6: ${label} (${fmt(seconds, 1)} s)`);
  };
  await step(`${fmt(users)} assignments`, () =>
    sql.query(
      `INSERT INTO assignments (experiment_id, user_id, variant, assigned_at)
       SELECT $1, 'r-' || u, CASE WHEN u % 2 = 0 THEN 'control' ELSE 'treatment' END,
              now() - interval '14 days' + (u % 1209600) * interval '1 second'
         FROM generate_series(0, $2 - 1) AS u`,
      [experimentId, users],
    ),
  );

  const secondary: { tablename: string; indexname: string; indexdef: string }[] = (
    await sql.query(
      `SELECT tablename, indexname, indexdef FROM pg_indexes
        WHERE schemaname = current_schema() AND tablename IN ('events', 'event_user_totals')
          AND indexname NOT IN ('events_pkey', 'event_user_totals_pkey')`,
    )
  ).rows;
  for (const index of secondary) await sql.query(`DROP INDEX ${index.indexname}`);
  // Per event: a user drawn at random; 10 % purchases (12 % in treatment, to give the analysis an
  // effect to find), 30 % revenue with a value, 1 % refunds, the rest page views. Treatment users
  // have odd numbers.
  await step(`${fmt(events)} events without secondary indexes`, () =>
    sql.query(
      `INSERT INTO events (experiment_id, user_id, variant, event_name, value, event_id, occurred_at)
       SELECT $1, 'r-' || u, CASE WHEN u % 2 = 0 THEN 'control' ELSE 'treatment' END,
              CASE WHEN k < CASE WHEN u % 2 = 0 THEN 0.10 ELSE 0.12 END THEN 'purchase'
                   WHEN k < 0.42 THEN 'revenue'
                   WHEN k < 0.43 THEN 'refund'
                   ELSE 'page_view' END,
              CASE WHEN k >= 0.12 AND k < 0.42 THEN round((random() * 100)::numeric, 2)::float8 ELSE 1 END,
              'seed-' || i,
              now() - random() * interval '14 days'
         FROM (SELECT i, floor(random() * $2)::int AS u, random() AS k FROM generate_series(1, $3) AS i) AS s`,
      [experimentId, users, events],
    ),
  );
  const build = async (table: string) => {
    for (const index of secondary.filter((i) => i.tablename === table)) await sql.query(index.indexdef);
  };
  await step(
    `secondary indexes of events built (${secondary
      .filter((i) => i.tablename === 'events')
      .map((i) => i.indexname)
      .join(', ')})`,
    () => build('events'),
  );
  await step('event_user_totals filled with one INSERT … SELECT … GROUP BY', async () => {
    await sql.query(
      `INSERT INTO event_user_totals (experiment_id, event_name, user_id, variant, total, events, first_at)
       SELECT experiment_id, event_name, user_id, min(variant), sum(value), count(*), min(occurred_at)
         FROM events WHERE experiment_id = $1
        GROUP BY experiment_id, event_name, user_id`,
      [experimentId],
    );
    await build('event_user_totals');
  });
  await step('VACUUM ANALYZE', async () => {
    await sql.query('VACUUM ANALYZE assignments');
    await sql.query('VACUUM ANALYZE event_user_totals');
    await sql.query('ANALYZE events');
  });
  const totals = Number((await sql.query('SELECT count(*) FROM event_user_totals WHERE experiment_id = $1', [experimentId])).rows[0].count);
  const seedSeconds = (performance.now() - seedStarted) / 1000;

  const fresh: number[] = [];
  let decision = '';
  for (let i = 0; i < 3; i++) {
    fresh.push(
      await timed(async () => {
        const result = await admin.call<{ decision: string; winner: string | null }>(
          'GET',
          `/api/v1/experiments/${KEY}/results?fresh=true`,
        );
        decision = `${result.decision}${result.winner ? ` (${result.winner})` : ''}`;
      }),
    );
  }
  const worstFresh = Math.max(...fresh);
  const cached = await runLoad({
    urls: [service.base],
    method: 'GET',
    path: `/api/v1/experiments/${KEY}/results`,
    headers: admin.headers,
    connections: options.connections,
    durationSeconds: Math.min(5, options.durationSeconds),
  });
  log(
    `  6: scale ${scale} — ${fmt(users)} users, ${fmt(events)} events, ${fmt(totals)} per-user totals; seeded in ${fmt(seedSeconds, 0)} s; ` +
      `fresh runs ${fresh.map((s) => fmt(s, 2)).join(' / ')} s; decision ${decision}`,
  );
  return [
    {
      id: '6a',
      name: `results fresh (${fmt(users / 1e6, 1)}M users, ${fmt(events / 1e6, 1)}M events)`,
      unit: 's',
      rate: worstFresh,
      p50Ms: null,
      p99Ms: null,
      errors: 0,
      ratio: null,
      target: '≤ 3 s (worst of 3)',
      met: worstFresh <= 3,
      detail: `runs: ${fresh.map((s) => fmt(s, 2)).join(', ')} s`,
    },
    {
      id: '6b',
      name: 'results cached',
      unit: 'req/s',
      rate: cached.rate,
      p50Ms: cached.p50Ms,
      p99Ms: cached.p99Ms,
      errors: cached.errors,
      ratio: null,
      target: 'p50 < 20 ms',
      met: cached.p50Ms < 20 && cached.errors === 0,
    },
  ];
}
