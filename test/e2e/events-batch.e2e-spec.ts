import { Client } from 'pg';
import { EventsService } from '../../src/events/events.service';
import { ExperimentCatalogService } from '../../src/experiments/experiment-catalog.service';
import { MetricsService } from '../../src/metrics/metrics.service';
import { asAdmin, asClient, startTestAppWithDatabase, TestApp } from '../support/test-app';

describe(EventsService.name, () => {
  let t: TestApp & { db: Client };
  let db: Client;

  beforeAll(async () => {
    t = await startTestAppWithDatabase();
    db = t.db;
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    await db.query('TRUNCATE experiments CASCADE');
    t.app.get(ExperimentCatalogService).clear();
  });

  async function experiment(key: string, start = true): Promise<string> {
    const res = await t.http
      .post('/api/v1/experiments')
      .set(asAdmin)
      .send({
        name: key,
        key,
        variants: [
          { name: 'control', weight: 0.5, config: {} },
          { name: 'green', weight: 0.5, config: {} },
        ],
        metrics: [{ name: 'purchase', type: 'conversion' }],
      });
    expect(res.status).toBe(201);
    if (start) await t.http.post(`/api/v1/experiments/${key}/start`).set(asAdmin).expect(200);
    return res.body.id;
  }

  /** Enrols users in one statement (the assign route is tested elsewhere; here we need many users fast). */
  async function enrol(experimentId: string, users: string[]): Promise<void> {
    await db.query(
      `INSERT INTO assignments (experiment_id, user_id, variant)
       SELECT $1, u, CASE WHEN i % 2 = 0 THEN 'control' ELSE 'green' END FROM unnest($2::text[]) WITH ORDINALITY AS x(u, i)`,
      [experimentId, users],
    );
  }

  const batch = (body: unknown, headers: Record<string, string> = asClient) =>
    t.http.post('/api/v1/events/batch').set(headers).set('content-type', 'application/json').send(JSON.stringify(body));

  const rows = async () =>
    (await db.query('SELECT experiment_id, user_id, variant, event_name, value, properties, event_id FROM events ORDER BY id')).rows;
  const eventCount = async () => Number((await db.query('SELECT count(*) FROM events')).rows[0].count);

  describe('ingestBatch', () => {
    it('should store the valid events once and report each rejected one with its index and reason', async () => {
      const a = await experiment('exp-a');
      const b = await experiment('exp-b');
      await experiment('draft', false);
      await enrol(a, ['a1', 'a2', 'a3']);
      await enrol(b, ['a1']);
      const variantOf = Object.fromEntries(
        (await db.query('SELECT user_id, variant FROM assignments WHERE experiment_id = $1', [a])).rows.map((r) => [r.user_id, r.variant]),
      );
      // An earlier batch stored "early-1".
      expect((await batch({ events: [{ experiment: 'exp-a', userId: 'a2', eventName: 'purchase', eventId: 'early-1' }] })).body).toEqual({
        accepted: 1,
        duplicates: 0,
        rejected: [],
      });

      const future = new Date(Date.now() + 10 * 60_000).toISOString();
      const res = await batch({
        events: [
          /* 0 */ { experiment: 'exp-a', userId: 'a1', eventName: 'purchase', value: 12.5, eventId: 'b-1', properties: { sku: 'x' } },
          /* 1 */ { experiment: 'exp-missing', userId: 'a1', eventName: 'purchase' },
          /* 2 */ { experiment: 'exp-a', userId: 'stranger', eventName: 'purchase' },
          /* 3 */ { experiment: 'exp-a', userId: 'a1', eventName: 'purchase', value: '12' },
          /* 4 */ { experiment: 'exp-a', userId: 'a1' },
          /* 5 */ { experiment: 'exp-a', userId: 'a3', eventName: 'purchase', eventId: 'b-1' },
          /* 6 */ { experiment: 'exp-a', userId: 'a2', eventName: 'purchase', eventId: 'early-1' },
          /* 7 */ { experiment: a, userId: 'a3', eventName: 'signup' },
          /* 8 */ { experiment: 'draft', userId: 'a1', eventName: 'purchase' },
          /* 9 */ { experiment: 'exp-a', userId: 'a1', eventName: 'purchase', value: null },
          /* 10 */ { experiment: 'exp-a', userId: 'a2', eventType: 'click', eventData: { button: 'buy' } },
          /* 11 */ { experiment: 'exp-a', userId: 'a1', eventName: 'purchase', timestamp: future },
          /* 12 */ 'purchase',
          /* 13 */ { experiment: 'exp-b', userId: 'a1', eventName: 'purchase', eventId: 'b-1' },
          /* 14 */ { experiment: 'exp-a', userId: 'a1', eventName: 'purchase', value: true },
          /* 15 */ { userId: 'a1', eventName: 'purchase' },
        ],
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        accepted: 4,
        duplicates: 2,
        rejected: [
          { index: 1, error: 'Experiment exp-missing not found' },
          { index: 2, error: 'User not in experiment exp-a' },
          { index: 3, error: 'value must be a finite number' },
          { index: 4, error: 'eventName is required (or its alias eventType)' },
          { index: 8, error: 'Experiment draft is draft: events are accepted only while it is running or paused' },
          { index: 9, error: 'value must be a finite number' },
          { index: 11, error: 'timestamp must not be more than 5 minutes in the future' },
          { index: 12, error: 'event must be an object' },
          { index: 14, error: 'value must be a finite number' },
          { index: 15, error: 'experiment is required' },
        ],
      });
      const byContent = (list: object[]) => list.map((r) => JSON.stringify(r)).sort();
      expect(byContent(await rows())).toEqual(
        byContent([
          {
            experiment_id: a,
            user_id: 'a2',
            variant: variantOf.a2,
            event_name: 'purchase',
            value: 1,
            properties: null,
            event_id: 'early-1',
          },
          {
            experiment_id: a,
            user_id: 'a1',
            variant: variantOf.a1,
            event_name: 'purchase',
            value: 12.5,
            properties: { sku: 'x' },
            event_id: 'b-1',
          },
          { experiment_id: a, user_id: 'a3', variant: variantOf.a3, event_name: 'signup', value: 1, properties: null, event_id: null },
          {
            experiment_id: a,
            user_id: 'a2',
            variant: variantOf.a2,
            event_name: 'click',
            value: 1,
            properties: { button: 'buy' },
            event_id: null,
          },
          { experiment_id: b, user_id: 'a1', variant: 'green', event_name: 'purchase', value: 1, properties: null, event_id: 'b-1' },
        ]),
      );
    });

    it('should count a later copy as stored when the first copy of its eventId was rejected', async () => {
      const a = await experiment('exp-a');
      await enrol(a, ['a1']);
      const res = await batch({
        events: [
          { experiment: 'exp-a', userId: 'stranger', eventName: 'purchase', eventId: 'e-1' },
          { experiment: 'exp-a', userId: 'a1', eventName: 'purchase', eventId: 'e-1' },
          { experiment: 'exp-a', userId: 'a1', eventName: 'purchase', eventId: 'e-1' },
        ],
      });
      expect(res.body).toEqual({ accepted: 1, duplicates: 1, rejected: [{ index: 0, error: 'User not in experiment exp-a' }] });
      expect((await rows()).map((r) => [r.user_id, r.event_id])).toEqual([['a1', 'e-1']]);
    });

    it('should report a completed experiment per event and accept a paused one', async () => {
      const a = await experiment('exp-a');
      const b = await experiment('exp-b');
      await enrol(a, ['u']);
      await enrol(b, ['u']);
      await t.http.post('/api/v1/experiments/exp-a/pause').set(asAdmin).expect(200);
      await t.http.post('/api/v1/experiments/exp-b/complete').set(asAdmin).expect(200);
      const res = await batch({
        events: [
          { experiment: 'exp-a', userId: 'u', eventName: 'purchase' },
          { experiment: 'exp-b', userId: 'u', eventName: 'purchase' },
        ],
      });
      expect(res.body).toEqual({
        accepted: 1,
        duplicates: 0,
        rejected: [{ index: 1, error: 'Experiment exp-b is completed: events are accepted only while it is running or paused' }],
      });
    });

    it('should store every overlapping eventId exactly once under 20 concurrent clients', async () => {
      const a = await experiment('exp-a');
      const users = Array.from({ length: 50 }, (_, i) => `user-${i}`);
      await enrol(a, users);
      const ids = Array.from({ length: 400 }, (_, i) => `evt-${i}`);
      // Each client sends 300 of the 400 ids, in its own shuffled order, as 2 batches and 5 single tracks.
      const clients = Array.from({ length: 20 }, (_, c) => {
        const mine = ids.filter((_, i) => (i + c) % 4 !== 0);
        for (let i = mine.length - 1; i > 0; i--) {
          const j = (i * 7919 + c * 104729) % (i + 1);
          [mine[i], mine[j]] = [mine[j], mine[i]];
        }
        return mine;
      });
      const userOf = (id: string) => users[Number(id.slice(4)) % users.length];
      const event = (id: string) => ({
        experiment: 'exp-a',
        userId: userOf(id),
        eventName: 'purchase',
        value: Number(id.slice(4)),
        eventId: id,
      });

      const results = await Promise.all(
        clients.map(async (mine) => {
          const [first, second] = await Promise.all([
            batch({ events: mine.slice(0, 150).map(event) }),
            batch({ events: mine.slice(150, 295).map(event) }),
          ]);
          const tracks = await Promise.all(
            mine.slice(295).map((id) =>
              t.http
                .post('/api/v1/experiments/exp-a/track')
                .set(asClient)
                .send({ ...event(id), experiment: undefined }),
            ),
          );
          for (const res of [first, second]) expect(res.status).toBe(200);
          for (const res of tracks) expect(res.status).toBe(202);
          return {
            accepted: first.body.accepted + second.body.accepted + tracks.filter((r) => !r.body.duplicate).length,
            duplicates: first.body.duplicates + second.body.duplicates + tracks.filter((r) => r.body.duplicate).length,
          };
        }),
      );

      const accepted = results.reduce((sum, r) => sum + r.accepted, 0);
      const duplicates = results.reduce((sum, r) => sum + r.duplicates, 0);
      expect(accepted).toBe(400);
      expect(accepted + duplicates).toBe(20 * 300);
      const stored = await db.query(
        'SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS distinct_ids, sum(value)::float8 AS total FROM events WHERE experiment_id = $1',
        [a],
      );
      expect(stored.rows[0]).toEqual({ n: 400, distinct_ids: 400, total: (399 * 400) / 2 });
      // The per-user running totals that /results reads agree with the events, row for row.
      const mismatches = await db.query(
        `SELECT coalesce(e.user_id, t.user_id) AS user_id
           FROM (SELECT experiment_id, event_name, user_id, min(variant) AS variant, sum(value) AS total, count(*)::int AS events
                   FROM events GROUP BY 1, 2, 3) e
           FULL JOIN event_user_totals t USING (experiment_id, event_name, user_id)
          WHERE e.total IS DISTINCT FROM t.total OR e.events IS DISTINCT FROM t.events OR e.variant IS DISTINCT FROM t.variant`,
      );
      expect(mismatches.rows).toEqual([]);
      expect(Number((await db.query('SELECT count(*) FROM event_user_totals')).rows[0].count)).toBe(50);
    });

    it('should refuse 10,001 events with 413 and store none of them', async () => {
      const a = await experiment('exp-a');
      await enrol(a, ['u']);
      const events = Array.from({ length: 10_001 }, (_, i) => ({
        experiment: 'exp-a',
        userId: 'u',
        eventName: 'purchase',
        eventId: `e-${i}`,
      }));
      const res = await batch({ events });
      expect(res.status).toBe(413);
      expect(res.body).toEqual({
        statusCode: 413,
        error: 'Payload Too Large',
        code: 'PAYLOAD_TOO_LARGE',
        message: 'events has 10001 items, at most 10000 are accepted per batch: split it; nothing was stored',
        details: [{ field: 'events', problem: 'must contain at most 10000 events' }],
      });
      expect(await eventCount()).toBe(0);

      const ok = await batch({ events: events.slice(0, 10_000) });
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ accepted: 10_000, duplicates: 0, rejected: [] });
      expect(await eventCount()).toBe(10_000);
    });

    it('should take bodies over 1 MiB up to 10 MiB and refuse larger ones with 413', async () => {
      const a = await experiment('exp-a');
      await enrol(a, ['u']);
      const padded = (n: number, size: number) =>
        Array.from({ length: n }, () => ({
          experiment: 'exp-a',
          userId: 'u',
          eventName: 'purchase',
          properties: { pad: 'x'.repeat(size) },
        }));
      const big = await batch({ events: padded(2_000, 1_000) });
      expect(big.status).toBe(200);
      expect(big.body.accepted).toBe(2_000);

      const tooBig = await batch({ events: padded(1_000, 11_000) });
      expect(tooBig.status).toBe(413);
      expect(tooBig.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
      expect(await eventCount()).toBe(2_000);
    });

    it.each([
      [[], 'body must be an object { "events": [ … ] }'],
      [{}, 'events must be an array of events'],
      [{ events: {} }, 'events must be an array of events'],
      [{ events: [], source: 'etl' }, 'source is not a known field'],
    ])('should refuse the envelope %j with 400', async (body, message) => {
      const res = await batch(body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', message });
    });

    it('should answer an empty batch with zeros, and need a token', async () => {
      expect((await batch({ events: [] })).body).toEqual({ accepted: 0, duplicates: 0, rejected: [] });
      expect((await batch({ events: [] }, {})).status).toBe(401);
    });

    it('should count accepted events in experimentation_events_total', async () => {
      const a = await experiment('exp-a');
      await enrol(a, ['u1', 'u2']);
      const counter = t.app.get(MetricsService).events;
      const total = async () =>
        (await counter.get()).values.filter((v) => v.labels.experiment === 'exp-a').reduce((sum, v) => sum + v.value, 0);
      const before = await total();
      await batch({
        events: [
          { experiment: 'exp-a', userId: 'u1', eventName: 'purchase', eventId: 'x' },
          { experiment: 'exp-a', userId: 'u2', eventName: 'purchase', eventId: 'x' },
          { experiment: 'exp-a', userId: 'u2', eventName: 'purchase' },
          { experiment: 'exp-a', userId: 'u3', eventName: 'purchase' },
        ],
      }).expect(200);
      expect((await total()) - before).toBe(2);
    });
  });
});
