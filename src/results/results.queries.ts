import type { DataSource, EntityManager } from 'typeorm';
import { postgresErrorCode } from '../common/database-errors';

/**
 * The queries behind /results and /results/timeseries, in one place. PostgreSQL reduces events to
 * sufficient statistics (per variant: users, conversions, Σy, Σy² of per-user totals); no event row
 * ever reaches Node.
 *
 * Σy and Σy² are summed as `numeric` from each stored double's exact text form (`total::text`, the
 * shortest text that reads back as the same double): numeric neither overflows (a float8 square
 * raised "value out of range" from one total above ~1.34e154 and failed /results for good) nor
 * rounds, so the variance is formed from them without cancellation (stats/exact-sums.ts), and a sum
 * computed two ways (/results, the time series' last point) is the same number. They travel as
 * text: a numeric beyond the double range then becomes Infinity in Node (reported as `null`), never
 * a database error.
 */

type Db = DataSource | EntityManager;

export interface VariantUsers {
  variant: string;
  users: number;
}

export interface MetricAggregate {
  variant: string;
  eventName: string;
  conversions: number;
  /** Exact decimal text; '0' for conversion metrics (their sums are not needed). */
  sum: string;
  sumSquares: string;
}

export interface ResultsSnapshot {
  users: VariantUsers[];
  aggregates: MetricAggregate[];
}

/**
 * Users per variant and, per variant and metric, users with the event (and for mean metrics Σy, Σy²
 * of their totals) in ONE statement, so both come from the same snapshot (a user assigned and
 * converted between two reads could otherwise count as a conversion but not as a user).
 */
export async function resultsSnapshot(db: Db, experimentId: string, eventNames: string[], meanNames: string[]): Promise<ResultsSnapshot> {
  const rows: { kind: 'users' | 'metric'; variant: string; event_name: string | null; n: string; s1: string | null; s2: string | null }[] =
    await db.query(
      `SELECT 'users' AS kind, variant, NULL AS event_name, count(*) AS n, NULL AS s1, NULL AS s2
         FROM assignments WHERE experiment_id = $1
        GROUP BY variant
       UNION ALL
       SELECT 'metric', variant, event_name, count(*), sum(y)::text, sum(y * y)::text
         FROM (SELECT variant, event_name,
                      CASE WHEN event_name = ANY($3::text[]) THEN total::text::numeric END AS y
                 FROM event_user_totals
                WHERE experiment_id = $1 AND event_name = ANY($2::text[])) AS t
        GROUP BY variant, event_name`,
      [experimentId, eventNames, meanNames],
    );
  const users: VariantUsers[] = [];
  const aggregates: MetricAggregate[] = [];
  for (const r of rows) {
    if (r.kind === 'users') users.push({ variant: r.variant, users: Number(r.n) });
    else
      aggregates.push({
        variant: r.variant,
        eventName: r.event_name!,
        conversions: Number(r.n),
        sum: r.s1 ?? '0',
        sumSquares: r.s2 ?? '0',
      });
  }
  return { users, aggregates };
}

export interface TimeseriesWindow {
  interval: 'day' | 'hour';
  /** First bucket shown: everything earlier is folded into it (the cap on points, applied in SQL). */
  first: Date;
  /** Last bucket: everything later (events up to 5 minutes ahead) is folded into it. */
  last: Date;
}

export interface BucketRow {
  kind: 'users' | 'conversions' | 'mean' | 'mean_total';
  eventName: string | null;
  variant: string;
  bucket: Date;
  /** New users (users), new converters (conversions, mean) or all converters (mean_total) in this bucket. */
  count: number;
  /** Mean metrics: Σy and Σy² up to and including this bucket, as decimal text. */
  cumulativeSum: string | null;
  cumulativeSumSquares: string | null;
}

interface RawBucketRow {
  kind: BucketRow['kind'];
  event_name: string | null;
  variant: string;
  bucket: Date;
  n: string;
  s1: string | null;
  s2: string | null;
}

const NUMERIC_VALUE_OUT_OF_RANGE = '22003';

/**
 * Everything the time series needs, per bucket, from one snapshot (REPEATABLE READ). A user counts
 * from the bucket of their assignment, and an event from the bucket of max(event time, assignment
 * time): a back-dated event cannot make a user convert before they were a user. Buckets are folded
 * into [first, last] in SQL ($3, $4), so the number of points is bounded before Node sees a row.
 *
 * COUNTS_SQL: users per bucket; for conversion metrics the users whose first event
 * (event_user_totals.first_at) falls in the bucket; for mean metrics, in the last bucket, converters,
 * Σy and Σy² of the stored per-user totals — the very expression /results evaluates, so the last
 * point is /results' numbers exactly.
 */
const COUNTS_SQL = `
  SELECT 'users' AS kind, NULL AS event_name, variant,
         least(greatest(date_trunc($2, assigned_at, 'UTC'), $3::timestamptz), $4::timestamptz) AS bucket,
         count(*) AS n, NULL AS s1, NULL AS s2
    FROM assignments WHERE experiment_id = $1
   GROUP BY 3, 4
  UNION ALL
  SELECT 'conversions', t.event_name, a.variant,
         least(greatest(date_trunc($2, greatest(t.first_at, a.assigned_at), 'UTC'), $3::timestamptz), $4::timestamptz),
         count(*), NULL, NULL
    FROM event_user_totals t JOIN assignments a ON a.experiment_id = $1 AND a.user_id = t.user_id
   WHERE t.experiment_id = $1 AND t.event_name = ANY($5::text[])
   GROUP BY 2, 3, 4
  UNION ALL
  SELECT 'mean_total', event_name, variant, $4::timestamptz, count(*), sum(y)::text, sum(y * y)::text
    FROM (SELECT variant, event_name, total::text::numeric AS y
            FROM event_user_totals WHERE experiment_id = $1 AND event_name = ANY($6::text[])) AS t
   GROUP BY variant, event_name`;

/**
 * One mean metric ($5), buckets before the last: each user's events summed per day or hour and
 * accumulated in user order — the order of the covering index, so the plan streams — then turned
 * into per-bucket increments of converters, Σy and Σy²; cumulative Σy, Σy² per variant come back
 * per bucket. Doubles (several times faster than numeric on millions of events); a sum that
 * overflows a double raises 22003 and the statement runs again with `exact` numeric sums, which
 * cannot fail. mean_buckets is MATERIALIZED so that its aggregation (a few rows per bucket) is hashed
 * instead of sorting millions of rows for the window over it.
 */
function meanBucketsSql(exact: boolean): string {
  const value = exact ? 'value::text::numeric' : 'value';
  return `
  WITH per_user AS (
    SELECT user_id, date_trunc($2, occurred_at, 'UTC') AS occurred, sum(${value}) AS y
      FROM events
     WHERE experiment_id = $1 AND event_name = $5 AND occurred_at < $4::timestamptz
     GROUP BY user_id, occurred
  ), running AS (
    SELECT user_id, occurred, row_number() OVER w = 1 AS first_row,
           sum(y) OVER w AS r_new,
           coalesce(sum(y) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS r_old
      FROM per_user
    WINDOW w AS (PARTITION BY user_id ORDER BY occurred)
  ), increments AS (
    SELECT a.variant, r.first_row, r.r_new, r.r_old,
           least(greatest(date_trunc($2, greatest(r.occurred, a.assigned_at), 'UTC'), $3::timestamptz), $4::timestamptz) AS bucket
      FROM running r JOIN assignments a ON a.experiment_id = $1 AND a.user_id = r.user_id
  ), mean_buckets AS MATERIALIZED (
    SELECT variant, bucket, count(*) FILTER (WHERE first_row) AS n,
           sum(r_new - r_old) AS ds1, sum(r_new * r_new - r_old * r_old) AS ds2
      FROM increments WHERE bucket < $4::timestamptz
     GROUP BY variant, bucket
  )
  SELECT 'mean' AS kind, $5 AS event_name, variant, bucket, n, (sum(ds1) OVER c)::text AS s1, (sum(ds2) OVER c)::text AS s2
    FROM mean_buckets
  WINDOW c AS (PARTITION BY variant ORDER BY bucket)`;
}

/**
 * Several statements rather than one, each well inside the statement timeout on 10M events, in one
 * REPEATABLE READ transaction so they all see the same data.
 */
export async function timeseriesBuckets(
  db: DataSource,
  experimentId: string,
  window: TimeseriesWindow,
  conversionNames: string[],
  meanNames: string[],
): Promise<BucketRow[]> {
  const common = [experimentId, window.interval, window.first.toISOString(), window.last.toISOString()];
  const rows = await db.transaction('REPEATABLE READ', async (manager) => {
    // Row estimates here are poor (buckets, users per bucket) and, left alone, the planner sorts
    // millions of rows the covering index already delivers in user order: enable_sort = off keeps it
    // on the streaming plan (incremental sorts, hash aggregates; the sorts it still needs are a few
    // rows). No JIT: compiling plans this size costs seconds, more than it saves.
    await manager.query(`SET LOCAL work_mem = '64MB'`);
    await manager.query(`SET LOCAL jit = off`);
    await manager.query(`SET LOCAL enable_sort = off`);
    const out: RawBucketRow[] = await manager.query(COUNTS_SQL, [...common, conversionNames, meanNames]);
    for (const name of meanNames) {
      await manager.query('SAVEPOINT mean_buckets');
      try {
        out.push(...((await manager.query(meanBucketsSql(false), [...common, name])) as RawBucketRow[]));
      } catch (error) {
        if (postgresErrorCode(error) !== NUMERIC_VALUE_OUT_OF_RANGE) throw error;
        await manager.query('ROLLBACK TO SAVEPOINT mean_buckets');
        out.push(...((await manager.query(meanBucketsSql(true), [...common, name])) as RawBucketRow[]));
      }
    }
    return out;
  });
  return rows.map((r) => ({
    kind: r.kind,
    eventName: r.event_name,
    variant: r.variant,
    bucket: new Date(r.bucket),
    count: Number(r.n),
    cumulativeSum: r.s1,
    cumulativeSumSquares: r.s2,
  }));
}
