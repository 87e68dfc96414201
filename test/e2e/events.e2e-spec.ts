import { Client } from 'pg';
import { ExposureBufferService } from '../../src/assignments/exposure-buffer.service';
import { EventsController, EventCountsController } from '../../src/events/events.controller';
import { ExperimentCatalogService } from '../../src/experiments/experiment-catalog.service';
import { MetricsService } from '../../src/metrics/metrics.service';
import { asAdmin, asClient, startTestAppWithDatabase, TestApp } from '../support/test-app';

describe(EventsController.name, () => {
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
    // TRUNCATE bypasses the service, so the in-memory catalog is told by hand.
    await db.query('TRUNCATE experiments CASCADE');
    t.app.get(ExperimentCatalogService).clear();
  });

  async function experiment(key: string, options: { start?: boolean; variants?: string[] } = {}): Promise<string> {
    const names = options.variants ?? ['control', 'green'];
    const res = await t.http
      .post('/api/v1/experiments')
      .set(asAdmin)
      .send({
        name: key,
        key,
        variants: names.map((name) => ({ name, weight: 1 / names.length, config: {} })),
        metrics: [
          { name: 'purchase', type: 'conversion', role: 'primary' },
          { name: 'revenue', type: 'mean', role: 'secondary' },
        ],
      });
    expect(res.status).toBe(201);
    if (options.start ?? true) await t.http.post(`/api/v1/experiments/${key}/start`).set(asAdmin).expect(200);
    return res.body.id;
  }

  async function assign(key: string, userId: string): Promise<string> {
    const res = await t.http.post(`/api/v1/experiments/${key}/assign`).set(asClient).send({ userId });
    expect(res.body.inExperiment).toBe(true);
    return res.body.variant.name;
  }

  /** Assigns users u-0, u-1, … until each variant has `perVariant` of them; returns them by variant. */
  async function usersByVariant(key: string, perVariant: number, variants = ['control', 'green']): Promise<Record<string, string[]>> {
    const found: Record<string, string[]> = Object.fromEntries(variants.map((v) => [v, []]));
    for (let i = 0; Object.values(found).some((users) => users.length < perVariant); i++) {
      const variant = await assign(key, `u-${i}`);
      if (found[variant].length < perVariant) found[variant].push(`u-${i}`);
    }
    return found;
  }

  const track = (key: string, body: object | string, headers: Record<string, string> = asClient) =>
    t.http
      .post(`/api/v1/experiments/${key}/track`)
      .set(headers)
      .set('content-type', 'application/json')
      .send(typeof body === 'string' ? body : JSON.stringify(body));

  const stored = async (experimentId: string) =>
    (
      await db.query(
        `SELECT user_id, variant, event_name, value, properties, event_id, occurred_at, received_at
           FROM events WHERE experiment_id = $1 ORDER BY id`,
        [experimentId],
      )
    ).rows;

  const eventCount = async () => Number((await db.query('SELECT count(*) FROM events')).rows[0].count);

  describe('track', () => {
    it('should store the event with the user variant and answer 202 recorded', async () => {
      const id = await experiment('exp');
      const variant = await assign('exp', 'u-1');
      // Within the EVENT_BACKFILL_DAYS window (90 days by default).
      const at = new Date(Date.now() - 3 * 86_400_000 + 678).toISOString();
      const res = await track('exp', {
        userId: 'u-1',
        eventName: 'purchase',
        value: 19.9,
        properties: { orderId: 'ord-77' },
        eventId: 'ord-77',
        timestamp: at,
      });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ status: 'recorded', variant, duplicate: false });
      const rows = await stored(id);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        user_id: 'u-1',
        variant,
        event_name: 'purchase',
        value: 19.9,
        properties: { orderId: 'ord-77' },
        event_id: 'ord-77',
        occurred_at: new Date(at),
      });
      expect(Math.abs(rows[0].received_at.getTime() - Date.now())).toBeLessThan(10_000);
    });

    it('should default value to 1 and timestamp to now, and find the experiment by id too', async () => {
      const id = await experiment('exp');
      await assign('exp', 'u-1');
      await track(id, { userId: 'u-1', eventName: 'signup' }).expect(202);
      const [row] = await stored(id);
      expect(row).toMatchObject({ value: 1, properties: null, event_id: null });
      expect(Math.abs(row.occurred_at.getTime() - Date.now())).toBeLessThan(10_000);
    });

    it('should accept eventType and eventData as aliases, also alongside the same value', async () => {
      const id = await experiment('exp');
      await assign('exp', 'u-1');
      await track('exp', { userId: 'u-1', eventType: 'click', eventData: { button: 'buy' } }).expect(202);
      await track('exp', {
        userId: 'u-1',
        eventName: 'click',
        eventType: 'click',
        properties: { a: 1, b: 2 },
        eventData: { b: 2, a: 1 },
      }).expect(202);
      expect((await stored(id)).map((r) => [r.event_name, r.properties])).toEqual([
        ['click', { button: 'buy' }],
        ['click', { a: 1, b: 2 }],
      ]);
    });

    it.each([
      [{ eventName: 'click', eventType: 'purchase' }, 'eventType'],
      [{ eventName: 'click', properties: { a: 1 }, eventData: { a: 2 } }, 'eventData'],
      [{}, 'eventName'],
      [{ eventName: 'click', value: '5' }, 'value'],
      [{ eventName: 'click', value: true }, 'value'],
      [{ eventName: 'click', value: null }, 'value'],
      [{ eventName: 'click', value: 'NaN' }, 'value'],
      [{ eventName: 'click', value: 'Infinity' }, 'value'],
      [{ eventName: 'click', eventId: '' }, 'eventId'],
      [{ eventName: 'click', eventId: 'x'.repeat(201) }, 'eventId'],
      [{ eventName: 'click', timestamp: '2026-11-23' }, 'timestamp'],
      [{ eventName: 'click', timestamp: new Date(Date.now() + 6 * 60_000).toISOString() }, 'timestamp'],
      [{ eventName: 'click', properties: ['a'] }, 'properties'],
      [{ eventName: 'x'.repeat(201) }, 'eventName'],
      [{ eventName: 'click', colour: 'red' }, 'colour'],
    ])('should refuse %j with 400 naming %s and store nothing', async (fields, field) => {
      const id = await experiment('exp');
      await assign('exp', 'u-1');
      const res = await track('exp', { userId: 'u-1', ...fields });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
      expect(res.body.message).toContain(field);
      expect(await stored(id)).toEqual([]);
    });

    it('should refuse values JSON can only spell as overflowing numbers (1e400 is Infinity)', async () => {
      const id = await experiment('exp');
      await assign('exp', 'u-1');
      const res = await track('exp', '{"userId":"u-1","eventName":"revenue","value":1e400}');
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual([{ field: 'value', problem: 'must be a finite number' }]);
      // Finite but beyond the documented bound (|value| <= 1e12, issue 13 item 4): refused too.
      const huge = await track('exp', '{"userId":"u-1","eventName":"revenue","value":-1e308}');
      expect(huge.status).toBe(400);
      expect(huge.body.details).toEqual([{ field: 'value', problem: 'must be between -1e12 and 1e12' }]);
      await track('exp', '{"userId":"u-1","eventName":"revenue","value":-1e12}').expect(202);
      expect((await stored(id)).map((r) => r.value)).toEqual([-1e12]);
    });

    it('should accept a timestamp 4 minutes ahead (clock skew)', async () => {
      const id = await experiment('exp');
      await assign('exp', 'u-1');
      const ahead = new Date(Date.now() + 4 * 60_000);
      await track('exp', { userId: 'u-1', eventName: 'click', timestamp: ahead.toISOString() }).expect(202);
      expect((await stored(id))[0].occurred_at).toEqual(ahead);
    });

    it('should store a repeated eventId once and answer duplicate: true', async () => {
      const id = await experiment('exp');
      const other = await experiment('other');
      const variant = await assign('exp', 'u-1');
      await assign('other', 'u-1');
      const body = { userId: 'u-1', eventName: 'purchase', value: 10, eventId: 'ord-1' };
      expect((await track('exp', body)).body).toEqual({ status: 'recorded', variant, duplicate: false });
      const again = await track('exp', { ...body, value: 99 });
      expect(again.status).toBe(202);
      expect(again.body).toEqual({ status: 'recorded', variant, duplicate: true });
      // Unique per experiment: the same id in another experiment is another event.
      expect((await track('other', body)).body.duplicate).toBe(false);
      expect((await stored(id)).map((r) => [r.event_id, r.value])).toEqual([['ord-1', 10]]);
      expect(await stored(other)).toHaveLength(1);
    });

    it('should refuse a user who was never assigned with 400 "User not in experiment"', async () => {
      await experiment('exp');
      const res = await track('exp', { userId: 'stranger', eventName: 'purchase' });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        statusCode: 400,
        error: 'Bad Request',
        code: 'USER_NOT_ASSIGNED',
        message: 'User not in experiment',
      });
      expect(await eventCount()).toBe(0);
    });

    it('should refuse draft and completed experiments with 409 and accept paused ones', async () => {
      const id = await experiment('exp');
      await assign('exp', 'u-1');
      await experiment('draft', { start: false });

      const draft = await track('draft', { userId: 'u-1', eventName: 'purchase' });
      expect(draft.status).toBe(409);
      expect(draft.body).toMatchObject({ statusCode: 409, error: 'Conflict', code: 'EXPERIMENT_CLOSED', status: 'draft' });
      expect(draft.body.message).toContain('draft');

      await t.http.post('/api/v1/experiments/exp/pause').set(asAdmin).expect(200);
      expect((await track('exp', { userId: 'u-1', eventName: 'purchase' })).status).toBe(202);

      await t.http.post('/api/v1/experiments/exp/complete').set(asAdmin).expect(200);
      const completed = await track('exp', { userId: 'u-1', eventName: 'purchase' });
      expect(completed.status).toBe(409);
      expect(completed.body.message).toContain('completed');
      expect(await stored(id)).toHaveLength(1);
    });

    it('should answer 404 for an unknown experiment', async () => {
      const res = await track('nope', { userId: 'u-1', eventName: 'purchase' });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ statusCode: 404, error: 'Not Found', code: 'EXPERIMENT_NOT_FOUND', message: 'Experiment nope not found' });
    });

    it('should need a token and refuse a body over 1 MiB with 413', async () => {
      await experiment('exp');
      await assign('exp', 'u-1');
      expect((await track('exp', { userId: 'u-1', eventName: 'purchase' }, {})).status).toBe(401);
      expect((await track('exp', { userId: 'u-1', eventName: 'purchase' }, asAdmin)).status).toBe(202);

      const big = await track('exp', { userId: 'u-1', eventName: 'purchase', properties: { blob: 'x'.repeat(1024 * 1024) } });
      expect(big.status).toBe(413);
      expect(big.body).toEqual({
        statusCode: 413,
        error: 'Payload Too Large',
        code: 'PAYLOAD_TOO_LARGE',
        message: expect.stringMatching(/large/i),
      });

      const tooRich = await track('exp', { userId: 'u-1', eventName: 'purchase', properties: { blob: 'x'.repeat(20_000) } });
      expect(tooRich.status).toBe(400);
      expect(tooRich.body.details).toEqual([{ field: 'properties', problem: 'must be at most 16384 characters as JSON' }]);
      expect(await eventCount()).toBe(1);
    });

    it('should count stored events, not duplicates, in experimentation_events_total', async () => {
      await experiment('exp');
      const variant = await assign('exp', 'u-1');
      const counter = t.app.get(MetricsService).events;
      const value = async (eventName: string) =>
        (await counter.get()).values.find(
          (v) => v.labels.experiment === 'exp' && v.labels.variant === variant && v.labels.event_name === eventName,
        )?.value ?? 0;
      const before = await value('purchase');
      const otherBefore = await value('_other');
      await track('exp', { userId: 'u-1', eventName: 'purchase', eventId: 'e-1' }).expect(202);
      await track('exp', { userId: 'u-1', eventName: 'purchase', eventId: 'e-1' }).expect(202);
      await track('exp', { userId: 'u-1', eventName: 'purchase' }).expect(202);
      // Undeclared event names share one label, so a client cannot grow the series without bound.
      await track('exp', { userId: 'u-1', eventName: 'page-view-7f3a' }).expect(202);
      expect((await value('purchase')) - before).toBe(2);
      expect((await value('_other')) - otherBefore).toBe(1);
    });
  });

  describe('conversion', () => {
    it('should record the seed-001 form and answer with the experiment id and variant', async () => {
      const id = await experiment('exp');
      const variant = await assign('exp', 'u-1');
      const res = await t.http
        .post('/api/v1/experiments/conversions')
        .set(asClient)
        .send({ experimentId: 'exp', userId: 'u-1', metricName: 'revenue', value: 42.5, metadata: { sku: 'A1' } });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({
        status: 'recorded',
        experimentId: id,
        experimentKey: 'exp',
        userId: 'u-1',
        variant,
        metricName: 'revenue',
        duplicate: false,
      });
      await t.http
        .post('/api/v1/experiments/conversions')
        .set(asClient)
        .send({ experimentId: id, userId: 'u-1', metricName: 'purchase' })
        .expect(202);
      expect((await stored(id)).map((r) => [r.event_name, r.value, r.properties])).toEqual([
        ['revenue', 42.5, { sku: 'A1' }],
        ['purchase', 1, null],
      ]);
    });

    it('should not be shadowed by the :idOrKey routes, even for an experiment keyed "conversions"', async () => {
      const id = await experiment('conversions');
      await assign('conversions', 'u-1');
      const res = await t.http
        .post('/api/v1/experiments/conversions')
        .set(asClient)
        .send({ experimentId: 'conversions', userId: 'u-1', metricName: 'purchase' });
      expect(res.status).toBe(202);
      expect(res.body.metricName).toBe('purchase');
      // The experiment keyed "conversions" is still reachable through the parameterised routes.
      await track('conversions', { userId: 'u-1', eventName: 'click' }).expect(202);
      expect((await t.http.get('/api/v1/experiments/conversions').set(asAdmin)).body.id).toBe(id);
      expect((await stored(id)).map((r) => r.event_name)).toEqual(['purchase', 'click']);
    });

    it.each([
      [{ userId: 'u-1', metricName: 'purchase' }, 400, 'experimentId'],
      [{ experimentId: 'exp', userId: 'u-1', metricName: 'purchase', value: '3' }, 400, 'value'],
      [{ experimentId: 'exp', userId: 'u-1', metricName: 'purchase', eventName: 'x' }, 400, 'eventName'],
      [{ experimentId: 'exp', userId: 'u-1' }, 400, 'metricName'],
      [{ experimentId: 'exp', userId: 'nobody', metricName: 'purchase' }, 400, 'userId'],
      [{ experimentId: 'missing', userId: 'u-1', metricName: 'purchase' }, 404, null],
    ])('should refuse %j with %i', async (body, status, field) => {
      await experiment('exp');
      await assign('exp', 'u-1');
      const res = await t.http.post('/api/v1/experiments/conversions').set(asClient).send(body);
      expect(res.status).toBe(status);
      if (field) expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
      expect(await eventCount()).toBe(0);
    });
  });

  describe(EventCountsController.name, () => {
    it('should report users, exposures and per-event users, count, sum, mean and rate by hand-computed values', async () => {
      const id = await experiment('exp');
      const users = await usersByVariant('exp', 4);
      const [c1, c2, c3] = users.control;
      const [g1, g2] = users.green;
      // Two more answers for c1 (sticky) → 3 exposures for that user.
      await assign('exp', c1);
      await assign('exp', c1);
      const assigned = Number((await db.query('SELECT count(*) FROM assignments WHERE experiment_id = $1', [id])).rows[0].count);
      const perVariant = (
        await db.query('SELECT variant, count(*)::int AS n FROM assignments WHERE experiment_id = $1 GROUP BY variant', [id])
      ).rows;
      const n = Object.fromEntries(perVariant.map((r: { variant: string; n: number }) => [r.variant, r.n]));
      expect(n.control + n.green).toBe(assigned);

      const send = (userId: string, eventName: string, value?: number) => track('exp', { userId, eventName, value }).expect(202);
      await send(c1, 'purchase', 10);
      await send(c1, 'purchase', 20);
      await send(c2, 'purchase', 5);
      await send(c3, 'revenue', 7.25);
      await send(g1, 'purchase', 8);
      await send(g2, 'revenue', 1.5);
      await send(g2, 'revenue', 2.5);
      await send(g2, 'click');

      const res = await t.http.get('/api/v1/experiments/exp/metrics').set(asAdmin);
      expect(res.status).toBe(200);
      expect(Math.abs(Date.parse(res.body.computedAt) - Date.now())).toBeLessThan(10_000);
      // Exposures: one per assign answer, i.e. one per user plus c1's two sticky answers.
      expect(res.body).toEqual({
        experimentId: id,
        computedAt: res.body.computedAt,
        variants: [
          {
            name: 'control',
            users: n.control,
            exposures: n.control + 2,
            metrics: {
              purchase: { users: 2, count: 3, sum: 35, mean: 35 / n.control, conversionRate: 2 / n.control },
              revenue: { users: 1, count: 1, sum: 7.25, mean: 7.25 / n.control, conversionRate: 1 / n.control },
              click: { users: 0, count: 0, sum: 0, mean: 0, conversionRate: 0 },
            },
          },
          {
            name: 'green',
            users: n.green,
            exposures: n.green,
            metrics: {
              purchase: { users: 1, count: 1, sum: 8, mean: 8 / n.green, conversionRate: 1 / n.green },
              revenue: { users: 1, count: 2, sum: 4, mean: 4 / n.green, conversionRate: 1 / n.green },
              click: { users: 1, count: 1, sum: 1, mean: 1 / n.green, conversionRate: 1 / n.green },
            },
          },
        ],
      });
    });

    it('should write buffered exposures before counting them', async () => {
      await experiment('exp');
      await assign('exp', 'u-1');
      for (let i = 0; i < 5; i++) await assign('exp', 'u-1');
      const res = await t.http.get('/api/v1/experiments/exp/metrics').set(asAdmin);
      expect(res.body.variants.reduce((sum: number, v: { exposures: number }) => sum + v.exposures, 0)).toBe(6);
      await t.app.get(ExposureBufferService).flush();
    });

    it('should list every variant with zeros (never NaN) when nobody is assigned', async () => {
      const id = await experiment('empty', { variants: ['a', 'b', 'c'] });
      const res = await t.http.get(`/api/v1/experiments/${id}/metrics`).set(asAdmin);
      expect(res.status).toBe(200);
      const zero = { users: 0, count: 0, sum: 0, mean: 0, conversionRate: 0 };
      expect(res.body.variants).toEqual(
        ['a', 'b', 'c'].map((name) => ({ name, users: 0, exposures: 0, metrics: { purchase: zero, revenue: zero } })),
      );
    });

    it('should be admin only and answer 404 for an unknown experiment', async () => {
      await experiment('exp');
      expect((await t.http.get('/api/v1/experiments/exp/metrics').set(asClient)).status).toBe(403);
      expect((await t.http.get('/api/v1/experiments/nope/metrics').set(asAdmin)).status).toBe(404);
    });
  });
});
