/**
 * The data behind bench/results-event-loop.ts and the hostile-client suite (test/hostile): a
 * 1M-user / 10M-event experiment shaped like bench/results-scale.ts, and issue 13's 20,000 events of
 * 4 users one day apart, loaded with SQL generate_series (seconds, not hours of HTTP).
 */
import { performance } from 'node:perf_hooks';
import type { Client } from 'pg';

/** The data of bench/results-scale.ts, seeded once (skipped when the experiment already has users). */
export async function seedScale(sql: Client, id: string, users: number, events: number): Promise<number> {
  if (Number((await sql.query(`SELECT count(*) FROM assignments WHERE experiment_id = $1`, [id])).rows[0].count) > 0) return 0;
  const t0 = performance.now();
  await sql.query(`SET maintenance_work_mem = '512MB'`);
  // One transaction: an interrupted seeding leaves nothing behind (the check above would skip it for good).
  await sql.query('BEGIN');
  await sql.query(
    `INSERT INTO assignments (experiment_id, user_id, variant, assigned_at)
     SELECT $1, 'r-' || u, CASE WHEN u % 2 = 0 THEN 'control' ELSE 'treatment' END,
            now() - interval '14 days' + (u % 1209600) * interval '1 second'
       FROM generate_series(0, $2 - 1) AS u`,
    [id, users],
  );
  await sql.query(
    `INSERT INTO events (experiment_id, user_id, variant, event_name, value, event_id, occurred_at)
     SELECT $1, 'r-' || u, CASE WHEN u % 2 = 0 THEN 'control' ELSE 'treatment' END,
            CASE WHEN k < CASE WHEN u % 2 = 0 THEN 0.10 ELSE 0.12 END THEN 'purchase'
                 WHEN k < 0.42 THEN 'revenue' WHEN k < 0.43 THEN 'refund' ELSE 'page_view' END,
            CASE WHEN k >= 0.12 AND k < 0.42 THEN round((random() * 100)::numeric, 2)::float8 ELSE 1 END,
            'seed-' || i, now() - random() * interval '14 days'
       FROM (SELECT i, floor(random() * $2)::int AS u, random() AS k FROM generate_series(1, $3) AS i) AS s`,
    [id, users, events],
  );
  await sql.query(
    `INSERT INTO event_user_totals (experiment_id, event_name, user_id, variant, total, events, first_at)
     SELECT experiment_id, event_name, user_id, min(variant), sum(value), count(*), min(occurred_at)
       FROM events WHERE experiment_id = $1 GROUP BY experiment_id, event_name, user_id`,
    [id],
  );
  await sql.query('COMMIT');
  for (const table of ['assignments', 'events', 'event_user_totals']) await sql.query(`VACUUM ANALYZE ${table}`);
  return performance.now() - t0;
}

/** Issue 13's hostile data: 20,000 events for 4 users, timestamps one day apart (back to ~55 years ago). */
export async function seedSpread(sql: Client, id: string): Promise<void> {
  if (Number((await sql.query(`SELECT count(*) FROM assignments WHERE experiment_id = $1`, [id])).rows[0].count) > 0) return;
  await sql.query(
    `INSERT INTO assignments (experiment_id, user_id, variant, assigned_at)
     SELECT $1, 's-' || u, CASE WHEN u % 2 = 0 THEN 'control' ELSE 'treatment' END, now() - interval '20000 days'
       FROM generate_series(0, 3) AS u`,
    [id],
  );
  await sql.query(
    `INSERT INTO events (experiment_id, user_id, variant, event_name, value, occurred_at)
     SELECT $1, 's-' || (i % 4), CASE WHEN i % 4 % 2 = 0 THEN 'control' ELSE 'treatment' END, 'revenue', 1,
            now() - (i % 20000) * interval '1 day'
       FROM generate_series(0, 19999) AS i`,
    [id],
  );
  await sql.query(
    `INSERT INTO event_user_totals (experiment_id, event_name, user_id, variant, total, events, first_at)
     SELECT experiment_id, event_name, user_id, min(variant), sum(value), count(*), min(occurred_at)
       FROM events WHERE experiment_id = $1 GROUP BY experiment_id, event_name, user_id`,
    [id],
  );
}

