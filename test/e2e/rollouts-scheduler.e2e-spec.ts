import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { ManualClock } from '../../src/common/clock';
import { RolloutSchedulerService } from '../../src/rollouts/rollout-scheduler.service';
import { asAdmin, asClient } from '../support/test-app';
import {
  ClockedApp,
  countRows,
  createRollout,
  getRollout,
  HEALTHY_REPORT,
  history,
  HOUR_MS,
  LOCAL_WEBHOOKS,
  report,
  sendWebhooks,
  SHORT_STAGE_HOURS,
  stages,
  startClockedApp,
  startRollout,
  startWebhookReceiver,
  tick,
  waitFor,
  WebhookReceiver,
} from './rollouts-support';

const STAGE_MS = SHORT_STAGE_HOURS * HOUR_MS;

/**
 * The scheduler on a ManualClock: each test moves the clock and ticks itself, so nothing here waits
 * for a real tick or measures how long anything took; webhooks are sent by ticking the sender too.
 */
describe(RolloutSchedulerService.name, () => {
  let t: ClockedApp;
  let db: Client;
  let clock: ManualClock;
  let configHook: WebhookReceiver;

  beforeAll(async () => {
    configHook = await startWebhookReceiver();
    t = await startClockedApp({ ROLLOUT_WEBHOOK_URL: configHook.url, ...LOCAL_WEBHOOKS });
    db = t.db;
    clock = t.clock;
  });
  afterAll(async () => {
    await t.close();
    await configHook.close();
  });
  beforeEach(async () => {
    await db.query('TRUNCATE rollouts CASCADE');
    await db.query('TRUNCATE alerts');
    await db.query('TRUNCATE webhook_deliveries');
    configHook.received.length = 0;
  });

  const actions = async (id: string) => (await history(t, id)).map((h) => h.action);

  /** Reports healthy traffic in the current stage, ticks before its time is up (nothing moves), then after. */
  async function passStage(id: string): Promise<Record<string, any>> {
    await report(t, id, HEALTHY_REPORT);
    const before = await getRollout(t, id);
    await tick(t);
    expect(await getRollout(t, id)).toMatchObject({ status: 'running', percentage: before.percentage, currentStage: before.currentStage });
    clock.advance(STAGE_MS);
    await tick(t);
    return getRollout(t, id);
  }

  describe('tick', () => {
    it('should take a healthy rollout 5 → 25 → 50 → 75 → 100 % and complete it, each step once in history', async () => {
      const r = await createRollout(t);
      const startedAt = clock.now().getTime();
      await startRollout(t, r.id);
      const seen: number[] = [];
      for (let i = 0; i < 5; i++) seen.push((await passStage(r.id)).percentage);
      expect(seen).toEqual([25, 50, 75, 100, 100]);
      await tick(t);
      const done = await getRollout(t, r.id);

      expect(done).toMatchObject({ status: 'completed', percentage: 100, currentStage: 4, rollbackReason: null });
      expect(done.completedAt).toBe(new Date(startedAt + 5 * STAGE_MS).toISOString());
      expect(done.lastHealth).toMatchObject({
        verdict: 'healthy',
        stage: 4,
        percentage: 100,
        errorRate: 0.01,
        accuracy: 0.9,
        latencyP95Ms: 120,
        requests: 1000,
        reports: 1,
      });

      const rows = await history(t, r.id);
      expect(rows.map((h) => [h.action, h.fromPercentage, h.toPercentage, h.stage, h.actor])).toEqual([
        ['created', null, 0, 0, 'admin'],
        ['started', 0, 5, 0, 'admin'],
        ['advanced', 5, 25, 1, 'scheduler'],
        ['advanced', 25, 50, 2, 'scheduler'],
        ['advanced', 50, 75, 3, 'scheduler'],
        ['advanced', 75, 100, 4, 'scheduler'],
        ['completed', 100, 100, 4, 'scheduler'],
      ]);
      // Each stage lasted exactly its 1.8 s of the clock.
      expect(rows.slice(1).map((h) => new Date(h.at).getTime() - startedAt)).toEqual([0, 1, 2, 3, 4, 5].map((k) => k * STAGE_MS));
      expect(rows[2].health).toMatchObject({ verdict: 'healthy', stage: 0, percentage: 5, requests: 1000 });
      expect(rows[2].reason).toContain('advancing to 25 %');
      expect(await countRows(db, 'SELECT count(*) FROM alerts')).toBe(0);
    });

    it('should roll back a rollout with 10 % errors at 25 % on the next tick, with alert, webhooks and history', async () => {
      const ownHook = await startWebhookReceiver();
      const warn = jest.spyOn(Logger.prototype, 'warn');
      try {
        const r = await createRollout(t, { webhookUrl: ownHook.url });
        await startRollout(t, r.id);
        expect((await passStage(r.id)).percentage).toBe(25);

        await report(t, r.id, { requests: 1000, errors: 100, latencyP95Ms: 150, labeled: 100, correct: 90 });
        await tick(t);
        const rolledBack = await getRollout(t, r.id);

        expect(rolledBack).toMatchObject({ status: 'rolled_back', percentage: 0, currentStage: 1 });
        expect(rolledBack.rollbackReason).toBe(
          'automatic rollback: health check failed in stage 2 of 5 (25 %): errorRate 0.1 > maxErrorRate 0.05',
        );
        expect(rolledBack.lastHealth).toMatchObject({
          verdict: 'unhealthy',
          requests: 1000,
          failedChecks: [{ check: 'errorRate', value: 0.1, threshold: 0.05, comparison: '>' }],
        });

        const rows = await history(t, r.id);
        const tail = rows.slice(-2);
        expect(tail.map((h) => [h.action, h.fromPercentage, h.toPercentage, h.stage, h.actor])).toEqual([
          ['health_failed', 25, 25, 1, 'scheduler'],
          ['rolled_back', 25, 0, 1, 'scheduler'],
        ]);
        expect(tail[0].health.errorRate).toBe(0.1);
        expect(rows.filter((h) => h.action === 'advanced')).toHaveLength(1);

        const alerts = await t.http.get('/api/v1/alerts?status=open').set(asAdmin).expect(200);
        expect(alerts.body.total).toBe(1);
        expect(alerts.body.items[0]).toMatchObject({
          kind: 'rollout_rollback',
          severity: 'critical',
          subjectType: 'rollout',
          subjectId: r.id,
          status: 'open',
        });
        expect(alerts.body.items[0].message).toContain('errorRate 0.1 > maxErrorRate 0.05');

        // Both the rollout's own webhook and ROLLOUT_WEBHOOK_URL get the event through the outbox, once each.
        expect(await sendWebhooks(t)).toMatchObject({ delivered: 2, retrying: 0, failed: 0 });
        for (const hook of [ownHook, configHook]) {
          expect(hook.received).toHaveLength(1);
          expect(hook.received[0].headers['content-type']).toBe('application/json');
          expect(hook.received[0].headers['webhook-id']).toEqual(expect.any(String));
          expect(hook.received[0].body).toEqual({
            type: 'rollout.rolled_back',
            timestamp: rolledBack.updatedAt,
            data: {
              rollout: rolledBack,
              trigger: 'automatic',
              reason: rolledBack.rollbackReason,
              fromPercentage: 25,
              toPercentage: 0,
              stage: 1,
              health: rolledBack.lastHealth,
              failedChecks: [{ check: 'errorRate', value: 0.1, threshold: 0.05, comparison: '>' }],
            },
          });
        }

        const warned = warn.mock.calls.map((call) => String(call[0]));
        expect(warned.some((line) => line.includes(`rollout ${r.name} (v2.0.0) ROLLED BACK automatically from 25 % to 0 %`))).toBe(true);

        const check = await t.http.get(`/api/v1/rollouts/${r.id}/check?userId=anyone`).set(asClient).expect(200);
        expect(check.body).toMatchObject({ useNewModel: false, percentage: 0 });
      } finally {
        warn.mockRestore();
        await ownHook.close();
      }
    });

    it('should roll back on p95 latency computed from raw observations, naming only that check', async () => {
      const r = await createRollout(t, { schedule: { stages: stages(1) }, healthThresholds: { maxLatencyMs: 900 } });
      await startRollout(t, r.id);
      // Latencies 1..1000 ms: percentile_cont(0.95) = 1 + 0.95 × 999 = 950.05.
      const observations = Array.from({ length: 1000 }, (_, i) => ({ latencyMs: i + 1, error: i % 100 === 0, correct: i % 10 !== 0 }));
      await t.http.post(`/api/v1/rollouts/${r.id}/observations`).set(asClient).send({ observations }).expect(202);
      await tick(t);
      const current = await getRollout(t, r.id);
      expect(current.status).toBe('rolled_back');
      expect(current.rollbackReason).toContain('latencyP95Ms 950.05 > maxLatencyMs 900');
      expect(current.rollbackReason).not.toMatch(/errorRate|accuracy/);
      expect(current.lastHealth).toMatchObject({
        requests: 1000,
        errors: 10,
        labeled: 1000,
        correct: 900,
        observations: 1000,
        reports: 0,
        errorRate: 0.01,
        accuracy: 0.9,
      });
      expect(current.lastHealth.latencyP95Ms).toBeCloseTo(950.05, 6);
      expect((await actions(r.id)).slice(-2)).toEqual(['health_failed', 'rolled_back']);
      expect(await countRows(db, `SELECT count(*) FROM alerts WHERE subject_id = $1`, [r.id])).toBe(1);
    });

    it('should roll back on accuracy under its threshold, naming only that check', async () => {
      const r = await createRollout(t, { schedule: { stages: stages(1) } });
      await startRollout(t, r.id);
      await report(t, r.id, { requests: 1000, errors: 0, latencyP95Ms: 50, labeled: 200, correct: 100 });
      await tick(t);
      const current = await getRollout(t, r.id);
      expect(current.status).toBe('rolled_back');
      expect(current.rollbackReason).toContain('accuracy 0.5 < minAccuracy 0.75');
      expect(current.rollbackReason).not.toMatch(/errorRate|latency/);
      expect(current.lastHealth.failedChecks).toEqual([{ check: 'accuracy', value: 0.5, threshold: 0.75, comparison: '<' }]);
    });

    it('should take the worse of reported and observed latency, and add up reports with observations', async () => {
      const r = await createRollout(t, { schedule: { stages: stages(1) } });
      await startRollout(t, r.id);
      await report(t, r.id, { requests: 100, errors: 2, latencyP95Ms: 180 });
      await report(t, r.id, { requests: 100, errors: 3, latencyP95Ms: 250 });
      await t.http
        .post(`/api/v1/rollouts/${r.id}/observations`)
        .set(asClient)
        .send({ observations: [{ latencyMs: 10 }, { latencyMs: 20, error: true }] })
        .expect(202);
      await tick(t);
      const current = await getRollout(t, r.id);
      expect(current.lastHealth).toMatchObject({ requests: 202, errors: 6, reports: 2, observations: 2, latencyP95Ms: 250 });
      expect(current.rollbackReason).toContain('latencyP95Ms 250 > maxLatencyMs 200');
    });

    it('should not let one report of 9e15 requests hide a failing model: 400, and the failure still rolls it back', async () => {
      const r = await createRollout(t, { schedule: { stages: stages(1) } });
      await startRollout(t, r.id);
      const observations = Array.from({ length: 200 }, (_, i) => ({ latencyMs: 50, error: i % 5 === 0 }));
      await t.http.post(`/api/v1/rollouts/${r.id}/observations`).set(asClient).send({ observations }).expect(202);
      const hiding = await t.http.post(`/api/v1/rollouts/${r.id}/health`).set(asClient).send({ requests: 9e15, errors: 0 });
      expect(hiding.status).toBe(400);
      expect(hiding.body).toMatchObject({ statusCode: 400, error: 'Bad Request', details: [{ field: 'requests' }] });
      await tick(t);
      const current = await getRollout(t, r.id);
      expect(current).toMatchObject({ status: 'rolled_back', lastHealth: { requests: 200, errors: 40, errorRate: 0.2 } });
    });

    it('should hold with too few requests: waiting_for_data, no advance, no rollback, held recorded once', async () => {
      const r = await createRollout(t, { schedule: { stages: stages(SHORT_STAGE_HOURS) } });
      await startRollout(t, r.id);
      // 100 % errors, but only 50 of the 100 requests needed to judge.
      await report(t, r.id, { requests: 50, errors: 50 });
      await tick(t);
      expect((await getRollout(t, r.id)).lastHealth).toMatchObject({ verdict: 'waiting_for_data', requests: 50 });
      expect(await actions(r.id)).toEqual(['created', 'started']);
      clock.advance(STAGE_MS); // the stage is now due
      for (let i = 0; i < 3; i++) {
        await tick(t);
        clock.advance(300);
      }
      const current = await getRollout(t, r.id);
      expect(current).toMatchObject({ status: 'running', percentage: 5, currentStage: 0, rollbackReason: null });
      expect(current.lastHealth).toMatchObject({ verdict: 'waiting_for_data', requests: 50, errors: 50, failedChecks: [] });
      // Health alone is not a change: updatedAt is still the start's.
      expect(current.updatedAt).toBe(current.stageStartedAt);
      const rows = await history(t, r.id);
      expect(rows.map((h) => h.action)).toEqual(['created', 'started', 'held']);
      expect(rows[2]).toMatchObject({ fromPercentage: 5, toPercentage: 5, stage: 0, actor: 'scheduler' });
      expect(rows[2].reason).toContain('50 of 100 requests');
      expect(await countRows(db, 'SELECT count(*) FROM alerts')).toBe(0);

      // Enough data arrives (50 errors in 1,050 requests = 4.8 %): it advances.
      await report(t, r.id, { requests: 1000, errors: 0 });
      await tick(t);
      expect(await getRollout(t, r.id)).toMatchObject({ status: 'running', percentage: 25, currentStage: 1 });
    });

    it('should start a scheduled rollout once its start time has passed', async () => {
      const startTime = new Date(clock.now().getTime() + HOUR_MS).toISOString();
      const r = await createRollout(t, { schedule: { startTime, stages: stages(1) } });
      await startRollout(t, r.id);
      await tick(t);
      expect((await getRollout(t, r.id)).status).toBe('scheduled');
      clock.advance(HOUR_MS - 1);
      await tick(t);
      expect((await getRollout(t, r.id)).status).toBe('scheduled');
      clock.advance(1);
      await tick(t);
      const started = await getRollout(t, r.id);
      expect(started).toMatchObject({ status: 'running', percentage: 5, currentStage: 0, startedAt: startTime, stageStartedAt: startTime });
      expect((await history(t, r.id)).map((h) => [h.action, h.actor])).toEqual([
        ['created', 'admin'],
        ['scheduled', 'admin'],
        ['started', 'scheduler'],
      ]);
    });

    it('should leave a paused rollout alone even when its stage is due and its health fails', async () => {
      const r = await createRollout(t);
      await startRollout(t, r.id);
      await report(t, r.id, { requests: 1000, errors: 900 });
      await t.http.post(`/api/v1/rollouts/${r.id}/pause`).set(asAdmin).expect(200);
      clock.advance(HOUR_MS);
      await tick(t);
      expect(await getRollout(t, r.id)).toMatchObject({ status: 'paused', percentage: 5 });
      expect(await actions(r.id)).toEqual(['created', 'started', 'paused']);
    });

    it('should never make the tick wait for a webhook endpoint that does not answer', async () => {
      const silent = await startWebhookReceiver([], { hold: true });
      try {
        const r = await createRollout(t, { webhookUrl: silent.url, schedule: { stages: stages(1) } });
        await startRollout(t, r.id);
        await report(t, r.id, { requests: 1000, errors: 500 });
        const summary = await tick(t);
        expect(summary.outcomes).toEqual([expect.objectContaining({ rolloutId: r.id, action: 'rollback' })]);
        expect((await getRollout(t, r.id)).status).toBe('rolled_back');
        // The tick only wrote the deliveries; the sender POSTs them on its own time.
        expect(silent.received).toHaveLength(0);
        expect(
          await countRows(db, `SELECT count(*) FROM webhook_deliveries WHERE event = 'rollout.rolled_back' AND status = 'pending'`),
        ).toBe(2);
        const sending = sendWebhooks(t);
        await waitFor('delivery', async () => (silent.received.length === 1 ? true : undefined));
        silent.release();
        await sending;
      } finally {
        await silent.close();
      }
    });

    it('should retry a failing webhook from the outbox with the same webhook-id until it is answered 200', async () => {
      const flaky = await startWebhookReceiver([500, 503]);
      try {
        const r = await createRollout(t, { webhookUrl: flaky.url, schedule: { stages: stages(1) } });
        await startRollout(t, r.id);
        await report(t, r.id, { requests: 1000, errors: 500 });
        await tick(t);
        const attempts = async (): Promise<number> => {
          await sendWebhooks(t);
          clock.advance(HOUR_MS);
          return flaky.received.length;
        };
        expect([await attempts(), await attempts(), await attempts(), await attempts()]).toEqual([1, 2, 3, 3]);
        expect(flaky.received.every((d) => d.body.type === 'rollout.rolled_back' && d.body.data.rollout.id === r.id)).toBe(true);
        expect(new Set(flaky.received.map((d) => d.headers['webhook-id'])).size).toBe(1);
        expect(flaky.responses).toEqual([]);
      } finally {
        await flaky.close();
      }
    });

    it('should leave the rollout as it was when the tick fails half way, and apply it once on the next tick', async () => {
      const r = await createRollout(t, { schedule: { stages: stages(1) } });
      await startRollout(t, r.id);
      await report(t, r.id, { requests: 1000, errors: 200 });
      // The alert insert is the last write of a rollback: failing it proves the earlier writes are undone too.
      await db.query(`CREATE FUNCTION fail_alert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'simulated crash'; END $$`);
      await db.query(`CREATE TRIGGER fail_alert BEFORE INSERT ON alerts FOR EACH ROW EXECUTE FUNCTION fail_alert()`);
      try {
        const summary = await tick(t);
        expect(summary.failed).toBeGreaterThanOrEqual(1);
        expect(await getRollout(t, r.id)).toMatchObject({ status: 'running', percentage: 5, rollbackReason: null, lastHealth: null });
        expect(await actions(r.id)).toEqual(['created', 'started']);
      } finally {
        await db.query('DROP TRIGGER fail_alert ON alerts');
        await db.query('DROP FUNCTION fail_alert()');
      }
      await tick(t);
      await tick(t);
      expect(await getRollout(t, r.id)).toMatchObject({ status: 'rolled_back', percentage: 0 });
      expect(await actions(r.id)).toEqual(['created', 'started', 'health_failed', 'rolled_back']);
      expect(await countRows(db, 'SELECT count(*) FROM alerts')).toBe(1);
    });

    it('should not make health reports wait for a tick that holds the rollout', async () => {
      const r = await createRollout(t, { schedule: { stages: stages(1) } });
      await startRollout(t, r.id);
      await report(t, r.id, { requests: 1000, errors: 500 });
      // The tick's first history insert waits for an advisory lock this test holds: meanwhile the tick holds the rollout's row lock.
      await db.query(
        `CREATE FUNCTION hold_tick() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock(4242); RETURN NEW; END $$`,
      );
      await db.query(`CREATE TRIGGER hold_tick BEFORE INSERT ON rollout_history FOR EACH ROW EXECUTE FUNCTION hold_tick()`);
      const gate = new Client({ connectionString: t.databaseUrl });
      await gate.connect();
      await gate.query('SELECT pg_advisory_lock(4242)');
      let ticking: Promise<unknown> = Promise.resolve();
      try {
        ticking = tick(t);
        await waitFor('the tick to hold the rollout', async () => ((await lockWaits(db, 'advisory')) > 0 ? true : undefined));
        // FOR UPDATE would make the report's foreign-key check wait for the tick; FOR NO KEY UPDATE does not.
        const watcher = failOnRowLockWaits(db);
        try {
          await Promise.race([report(t, r.id, HEALTHY_REPORT), watcher.failed]);
        } finally {
          await watcher.stop();
        }
      } finally {
        await gate.query('SELECT pg_advisory_unlock(4242)');
        await ticking;
        await gate.end();
        await db.query('DROP TRIGGER hold_tick ON rollout_history');
        await db.query('DROP FUNCTION hold_tick()');
      }
      expect((await getRollout(t, r.id)).status).toBe('rolled_back');
      expect(await countRows(db, 'SELECT count(*) FROM rollout_health_reports WHERE rollout_id = $1', [r.id])).toBe(2);
    });

    it('should send a webhook for a manual rollback too, and raise no alert for it', async () => {
      const r = await createRollout(t);
      await startRollout(t, r.id);
      await t.http.post(`/api/v1/rollouts/${r.id}/rollback`).set(asAdmin).send({ reason: 'bad offline eval' }).expect(200);
      await sendWebhooks(t);
      const rolledBack = await getRollout(t, r.id);
      expect(configHook.received).toHaveLength(1);
      expect(configHook.received[0].body).toEqual({
        type: 'rollout.rolled_back',
        timestamp: rolledBack.updatedAt,
        data: {
          rollout: rolledBack,
          trigger: 'manual',
          reason: 'bad offline eval',
          fromPercentage: 5,
          toPercentage: 0,
          stage: 0,
          health: null,
          failedChecks: [],
        },
      });
      expect(await countRows(db, 'SELECT count(*) FROM alerts')).toBe(0);
    });
  });
});

/** Sessions of this database (other than `db`'s) waiting for a lock, of one kind (`advisory`) or any row or transaction lock. */
async function lockWaits(db: Client, kind: 'advisory' | 'row'): Promise<number> {
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'
        AND (wait_event = 'advisory') = $1`,
    [kind === 'advisory'],
  );
  return rows[0].n;
}

/** `failed` rejects as soon as some request is seen waiting for a row lock, instead of letting the test hang on it. */
function failOnRowLockWaits(db: Client): { failed: Promise<never>; stop: () => Promise<void> } {
  let running = true;
  let watching: Promise<void> = Promise.resolve();
  const failed = new Promise<never>((_, reject) => {
    watching = (async () => {
      while (running) {
        if ((await lockWaits(db, 'row')) > 0) {
          reject(new Error('a request is waiting for a row lock held by the tick'));
          return;
        }
      }
    })();
  });
  failed.catch(() => undefined);
  return {
    failed,
    stop: async () => {
      running = false;
      await watching;
    },
  };
}

describe(`${RolloutSchedulerService.name} interval`, () => {
  it('should tick on its own every ROLLOUT_TICK_SECONDS', async () => {
    const t = await startClockedApp({ ROLLOUT_TICK_SECONDS: '1' });
    try {
      const startTime = new Date(t.clock.now().getTime() + HOUR_MS).toISOString();
      const r = await createRollout(t, { schedule: { startTime, stages: stages(1) } });
      await startRollout(t, r.id);
      t.clock.advance(HOUR_MS);
      // No tick() here: the interval does it.
      const started = await waitFor('the interval tick', async () => {
        const current = await getRollout(t, r.id);
        return current.status === 'running' ? current : undefined;
      });
      expect(started).toMatchObject({ percentage: 5, startedAt: startTime });
    } finally {
      await t.close();
    }
  });
});
