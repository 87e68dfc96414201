import { DataSource } from 'typeorm';

/**
 * The queries behind /results and /results/timeseries, in one place. PostgreSQL reduces events to
 * sufficient statistics (per variant: users, conversions, Σy, Σy² of per-user totals); no event
 * row ever reaches Node.
 */

export interface VariantUsers {
  variant: string;
  users: number;
}

export interface MetricAggregate {
  variant: string;
  eventName: string;
  conversions: number;
  sum: number;
  sumSquares: number;
}

export async function usersPerVariant(db: DataSource, experimentId: string): Promise<VariantUsers[]> {
  const rows: { variant: string; users: string }[] = await db.query(
    `SELECT variant, count(*) AS users FROM assignments WHERE experiment_id = $1 GROUP BY variant`,
    [experimentId],
  );
  return rows.map((r) => ({ variant: r.variant, users: Number(r.users) }));
}

/**
 * y = a user's summed value of one event name (kept up to date at ingest in event_user_totals);
 * users without the event contribute 0 to Σy and Σy².
 */
export async function metricAggregates(db: DataSource, experimentId: string, eventNames: string[]): Promise<MetricAggregate[]> {
  const rows: { variant: string; event_name: string; conversions: string; sum: number; sum_squares: number }[] = await db.query(
    `SELECT variant, event_name, count(*) AS conversions,
            sum(total)::float8 AS sum, sum(total * total)::float8 AS sum_squares
       FROM event_user_totals
      WHERE experiment_id = $1 AND event_name = ANY($2::text[])
      GROUP BY variant, event_name`,
    [experimentId, eventNames],
  );
  return rows.map((r) => ({
    variant: r.variant,
    eventName: r.event_name,
    conversions: Number(r.conversions),
    sum: Number(r.sum),
    sumSquares: Number(r.sum_squares),
  }));
}

export interface TimeBucketUsers {
  bucket: Date;
  variant: string;
  users: number;
}

export interface TimeBucketMetric {
  bucket: Date;
  variant: string;
  /** Users whose first event falls in this bucket. */
  newConverters: number;
  sum: number;
  /** Increase of Σ (per-user running total)² in this bucket: exact cumulative Σy² by summing. */
  sumSquaresDelta: number;
}

export async function assignmentsPerBucket(db: DataSource, experimentId: string, interval: 'day' | 'hour'): Promise<TimeBucketUsers[]> {
  const rows: { bucket: Date; variant: string; users: string }[] = await db.query(
    `SELECT date_trunc($2, assigned_at, 'UTC') AS bucket, variant, count(*) AS users
       FROM assignments WHERE experiment_id = $1
      GROUP BY 1, 2 ORDER BY 1`,
    [experimentId, interval],
  );
  return rows.map((r) => ({ bucket: new Date(r.bucket), variant: r.variant, users: Number(r.users) }));
}

/**
 * Per bucket, what one event name adds to the cumulative statistics. A user's running total T grows
 * bucket by bucket; Σ T² over users grows by T_new² − T_old² when that user has events in a bucket,
 * so summing these deltas over buckets gives the exact cumulative Σy² at every point.
 */
export async function metricPerBucket(
  db: DataSource,
  experimentId: string,
  eventName: string,
  interval: 'day' | 'hour',
): Promise<TimeBucketMetric[]> {
  const rows: { bucket: Date; variant: string; new_converters: string; sum: number; sum_squares_delta: number }[] = await db.query(
    `WITH per_user_bucket AS (
       SELECT variant, user_id, date_trunc($3, occurred_at, 'UTC') AS bucket, sum(value) AS total
         FROM events
        WHERE experiment_id = $1 AND event_name = $2
        GROUP BY 1, 2, 3
     ), running AS (
       SELECT variant, user_id, bucket, total,
              sum(total) OVER (PARTITION BY user_id, variant ORDER BY bucket) AS running_total,
              row_number() OVER (PARTITION BY user_id, variant ORDER BY bucket) AS nth
         FROM per_user_bucket
     )
     SELECT bucket, variant,
            count(*) FILTER (WHERE nth = 1) AS new_converters,
            sum(total)::float8 AS sum,
            sum(running_total * running_total - (running_total - total) * (running_total - total))::float8 AS sum_squares_delta
       FROM running
      GROUP BY bucket, variant
      ORDER BY bucket`,
    [experimentId, eventName, interval],
  );
  return rows.map((r) => ({
    bucket: new Date(r.bucket),
    variant: r.variant,
    newConverters: Number(r.new_converters),
    sum: Number(r.sum),
    sumSquaresDelta: Number(r.sum_squares_delta),
  }));
}
