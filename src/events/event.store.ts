import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { postgresErrorCode } from '../common/database-errors';
import type { EventInput } from './event-input';
import type { VariantAssignmentRow, VariantEventRow } from './event-counts';

/** One valid event of a known, open experiment, to be stored if its user is assigned. */
export type EventRow = EventInput & { experimentId: string };

/** What happened to each row passed to `insert`, by its index there. */
export type RowOutcome = { kind: 'not_assigned' } | { kind: 'inserted' | 'duplicate'; variant: string };

/**
 * Folds the rows an ingest statement just inserted (the CTE `inserted`) into the per-user running
 * totals that /results and /metrics read, in the same statement, so the two can never disagree.
 * Rows are upserted in key order so concurrent batches lock them in the same order.
 */
const UPSERT_TOTALS_SQL = `
    INSERT INTO event_user_totals (experiment_id, event_name, user_id, variant, total, events, first_at)
    SELECT experiment_id, event_name, user_id, min(variant), sum(value), count(*), min(occurred_at)
      FROM inserted
     GROUP BY experiment_id, event_name, user_id
     ORDER BY experiment_id, event_name, user_id
    ON CONFLICT (experiment_id, event_name, user_id) DO UPDATE
       SET total = event_user_totals.total + excluded.total,
           events = event_user_totals.events + excluded.events,
           first_at = LEAST(event_user_totals.first_at, excluded.first_at)`;

/**
 * The ingest statement: the user's variant, the idempotency check and the write in ONE set-based
 * statement (so one round trip and one implicit transaction: when it returns, every inserted row is
 * committed).
 * - `matched`: rows whose user is assigned, with the assignment's variant (denormalised into the row);
 * - `first`: of several rows with the same (experiment, eventId) in this batch, only the first is
 *   written, the later ones are duplicates;
 * - the INSERT writes in (experiment_id, event_id) order, so concurrent batches with overlapping ids
 *   wait on each other in the same order instead of deadlocking; ON CONFLICT DO NOTHING drops rows
 *   whose eventId an earlier batch (or a concurrent one that committed first) already stored.
 */
const INSERT_SQL = `
  WITH input AS (
    SELECT *
      FROM unnest($1::int[], $2::uuid[], $3::text[], $4::text[], $5::float8[], $6::jsonb[], $7::text[], $8::timestamptz[])
        AS i(ord, experiment_id, user_id, event_name, value, properties, event_id, occurred_at)
  ), matched AS MATERIALIZED (
    SELECT i.*, a.variant,
           (i.event_id IS NULL
             OR row_number() OVER (PARTITION BY i.experiment_id, i.event_id ORDER BY i.ord) = 1) AS first
      FROM input i
      JOIN assignments a ON a.experiment_id = i.experiment_id AND a.user_id = i.user_id
  ), inserted AS (
    INSERT INTO events (experiment_id, user_id, variant, event_name, value, properties, event_id, occurred_at)
    SELECT experiment_id, user_id, variant, event_name, value, properties, event_id, occurred_at
      FROM matched
     WHERE first
     ORDER BY experiment_id, event_id
    ON CONFLICT (experiment_id, event_id) WHERE event_id IS NOT NULL DO NOTHING
    RETURNING experiment_id, event_id, event_name, user_id, variant, value, occurred_at
  ), totals AS (
    ${UPSERT_TOTALS_SQL}
  )
  SELECT m.ord, m.variant, (m.first AND (m.event_id IS NULL OR r.event_id IS NOT NULL)) AS inserted
    FROM matched m
    LEFT JOIN inserted r ON m.first AND r.experiment_id = m.experiment_id AND r.event_id = m.event_id`;

/** The same for one event (track, conversions): no unnest, no window, a plan in a fraction of the time. */
const INSERT_ONE_SQL = `
  WITH assigned AS (
    SELECT variant FROM assignments WHERE experiment_id = $1 AND user_id = $2
  ), inserted AS (
    INSERT INTO events (experiment_id, user_id, variant, event_name, value, properties, event_id, occurred_at)
    SELECT $1, $2, variant, $3, $4, $5, $6, $7 FROM assigned
    ON CONFLICT (experiment_id, event_id) WHERE event_id IS NOT NULL DO NOTHING
    RETURNING experiment_id, event_id, event_name, user_id, variant, value, occurred_at
  ), totals AS (
    ${UPSERT_TOTALS_SQL}
  )
  SELECT variant, EXISTS (SELECT 1 FROM inserted) AS inserted FROM assigned`;

/** One row per user and event name in event_user_totals: users with the event, events and their sum. */
const EVENT_AGGREGATE_SQL = `
  SELECT variant, event_name, count(*)::int AS users, sum(events)::bigint AS count, sum(total)::float8 AS sum
    FROM event_user_totals
   WHERE experiment_id = $1
   GROUP BY variant, event_name`;

/**
 * The same in numeric, for when Σ total leaves the double range (PostgreSQL raises "value out of
 * range" rather than return Infinity): read as text, it becomes Infinity in Node, never an error.
 */
const EVENT_AGGREGATE_EXACT_SQL = `
  SELECT variant, event_name, count(*)::int AS users, sum(events)::bigint AS count, sum(total::text::numeric)::text AS sum
    FROM event_user_totals
   WHERE experiment_id = $1
   GROUP BY variant, event_name`;

const ASSIGNMENT_AGGREGATE_SQL = `
  SELECT variant, count(*)::int AS users, sum(exposures)::bigint AS exposures
    FROM assignments
   WHERE experiment_id = $1
   GROUP BY variant`;

const DEADLOCK_RETRIES = 2;

@Injectable()
export class EventStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Stores the rows of assigned users once each; returns the outcome of every row by index. */
  async insert(rows: EventRow[]): Promise<RowOutcome[]> {
    if (rows.length === 1) return [await this.insertOne(rows[0])];
    const outcomes: RowOutcome[] = rows.map(() => ({ kind: 'not_assigned' }));
    if (rows.length === 0) return outcomes;
    const n = rows.length;
    const ord = new Array<number>(n);
    const experimentIds = new Array<string>(n);
    const userIds = new Array<string>(n);
    const eventNames = new Array<string>(n);
    const values = new Array<number>(n);
    const properties = new Array<string | null>(n);
    const eventIds = new Array<string | null>(n);
    const occurredAt = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const row = rows[i];
      ord[i] = i;
      experimentIds[i] = row.experimentId;
      userIds[i] = row.userId;
      eventNames[i] = row.eventName;
      values[i] = row.value;
      properties[i] = row.propertiesJson;
      eventIds[i] = row.eventId;
      occurredAt[i] = row.occurredAt.toISOString();
    }
    const params = [ord, experimentIds, userIds, eventNames, values, properties, eventIds, occurredAt];
    const result = await this.withDeadlockRetry(
      () => this.dataSource.query(INSERT_SQL, params) as Promise<{ ord: number; variant: string; inserted: boolean }[]>,
    );
    for (const row of result) outcomes[row.ord] = { kind: row.inserted ? 'inserted' : 'duplicate', variant: row.variant };
    return outcomes;
  }

  private async insertOne(row: EventRow): Promise<RowOutcome> {
    const params = [row.experimentId, row.userId, row.eventName, row.value, row.propertiesJson, row.eventId, row.occurredAt.toISOString()];
    const [result] = (await this.dataSource.query(INSERT_ONE_SQL, params)) as { variant: string; inserted: boolean }[];
    if (!result) return { kind: 'not_assigned' };
    return { kind: result.inserted ? 'inserted' : 'duplicate', variant: result.variant };
  }

  async aggregate(experimentId: string): Promise<{ assignments: VariantAssignmentRow[]; events: VariantEventRow[] }> {
    // One snapshot for both reads, so users and their events are counted at the same instant.
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const assignments: { variant: string; users: number; exposures: string }[] = await manager.query(ASSIGNMENT_AGGREGATE_SQL, [
        experimentId,
      ]);
      type EventRowRaw = { variant: string; event_name: string; users: number; count: string; sum: number | string };
      let events: EventRowRaw[];
      try {
        await manager.query('SAVEPOINT event_aggregate');
        events = await manager.query(EVENT_AGGREGATE_SQL, [experimentId]);
      } catch (error) {
        if (postgresErrorCode(error) !== '22003') throw error;
        await manager.query('ROLLBACK TO SAVEPOINT event_aggregate');
        events = await manager.query(EVENT_AGGREGATE_EXACT_SQL, [experimentId]);
      }
      return {
        assignments: assignments.map((r) => ({ variant: r.variant, users: r.users, exposures: Number(r.exposures) })),
        events: events.map((r) => ({
          variant: r.variant,
          eventName: r.event_name,
          users: r.users,
          count: Number(r.count),
          sum: Number(r.sum),
        })),
      };
    });
  }

  /** The statement is all-or-nothing, so running it again after a deadlock is safe. */
  private async withDeadlockRetry<T>(run: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await run();
      } catch (error) {
        if (postgresErrorCode(error) !== '40P01' || attempt >= DEADLOCK_RETRIES) throw error;
      }
    }
  }
}
