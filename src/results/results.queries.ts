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
  /** Mean metrics: Σy and Σy² up to and including this bucket, exact decimal text. */
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

/**
 * Everything the time series needs, per bucket, in one statement (one snapshot). A user counts
 * from the bucket of their assignment, and an event from the bucket of max(event time, assignment
 * time): a back-dated event cannot make a user convert before they were a user. Buckets are folded
 * into [first, last] here, so the number of points is bounded before Node sees a row.
 * - users: assignments per bucket;
 * - conversions (conversion metrics): users whose first event (event_user_totals.first_at) falls in
 *   the bucket;
 * - mean (mean metrics), buckets before the last: each user's events summed per bucket in exact
 *   numeric, accumulated in (event_name, user_id) order, and turned into per-bucket increments of
 *   the converters, Σy and Σy²; cumulative Σy, Σy² per variant come back per bucket;
 * - mean_total (mean metrics), the last bucket: converters, Σy and Σy² of the stored per-user totals,
 *   the very expression /results evaluates, so the last point is /results' numbers exactly.
 */
const NUMERIC_VALUE_OUT_OF_RANGE = '22003';

/**
 * `exact`: per-user sums in numeric instead of double precision. Doubles are several times faster on
 * 10M events; a running sum of doubles can overflow where the stored totals did not (another order
 * of additions), and then the statement is run again with numeric, which cannot fail.
 */
function timeseriesSql(exact: boolean): string {
  const value = exact ? 'value::text::numeric' : 'value';
  return `
  WITH per_user AS (
    SELECT event_name, user_id, date_trunc($2, occurred_at, 'UTC') AS occurred, sum(${value}) AS y
      FROM events
     WHERE experiment_id = $1 AND event_name = ANY($6::text[]) AND occurred_at < $4::timestamptz
     GROUP BY event_name, user_id, occurred
  ), running AS (
    SELECT event_name, user_id, occurred, row_number() OVER w = 1 AS first_row,
           sum(y) OVER w AS r_new,
           coalesce(sum(y) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS r_old
      FROM per_user
    WINDOW w AS (PARTITION BY event_name, user_id ORDER BY occurred)
  ), increments AS (
    SELECT r.event_name, a.variant, r.first_row, r.r_new::text::numeric AS r_new, r.r_old::text::numeric AS r_old,
           least(greatest(date_trunc($2, greatest(r.occurred, a.assigned_at), 'UTC'), $3::timestamptz), $4::timestamptz) AS bucket
      FROM running r JOIN assignments a ON a.experiment_id = $1 AND a.user_id = r.user_id
  ), mean_buckets AS (
    SELECT event_name, variant, bucket, count(*) FILTER (WHERE first_row) AS n,
           sum(r_new - r_old) AS ds1, sum(r_new * r_new - r_old * r_old) AS ds2
      FROM increments WHERE bucket < $4::timestamptz
     GROUP BY event_name, variant, bucket
  )
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
  SELECT 'mean', event_name, variant, bucket, n, (sum(ds1) OVER c)::text, (sum(ds2) OVER c)::text
    FROM mean_buckets
  WINDOW c AS (PARTITION BY event_name, variant ORDER BY bucket)
  UNION ALL
  SELECT 'mean_total', event_name, variant, $4::timestamptz, count(*), sum(y)::text, sum(y * y)::text
    FROM (SELECT variant, event_name, total::text::numeric AS y
            FROM event_user_totals WHERE experiment_id = $1 AND event_name = ANY($6::text[])) AS t
   GROUP BY variant, event_name`;
}

export async function timeseriesBuckets(
  db: DataSource,
  experimentId: string,
  window: TimeseriesWindow,
  conversionNames: string[],
  meanNames: string[],
): Promise<BucketRow[]> {
  const params = [experimentId, window.interval, window.first.toISOString(), window.last.toISOString(), conversionNames, meanNames];
  const run = (exact: boolean): Promise<RawBucketRow[]> =>
    db.transaction(async (manager) => {
      // One big analytical statement: sorts and hashes in memory rather than on disk, and no JIT
      // compilation (seconds of it for a plan this size, more than it saves).
      await manager.query(`SET LOCAL work_mem = '64MB'`);
      await manager.query(`SET LOCAL jit = off`);
      return manager.query(timeseriesSql(exact), params) as Promise<RawBucketRow[]>;
    });
  let rows: RawBucketRow[];
  try {
    rows = await run(false);
  } catch (error) {
    if (postgresErrorCode(error) !== NUMERIC_VALUE_OUT_OF_RANGE) throw error;
    rows = await run(true);
  }
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
