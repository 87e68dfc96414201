import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { RolloutSchedulerService } from '../../src/rollouts/rollout-scheduler.service';
import { asAdmin, asClient, startTestAppWithDatabase, TestApp } from '../support/test-app';
import {
  countRows,
  createRollout,
  getRollout,
  HEALTHY_REPORT,
  history,
  report,
  SHORT_STAGE_HOURS,
  sleep,
  stages,
  startRollout,
  startWebhookReceiver,
  tick,
  waitFor,
  WebhookReceiver,
} from './rollouts-support';

/**
 * Posts a healthy report every 250 ms until stopped (or until the rollout reaches `stopAt` %), so
 * every stage window has enough requests.
 */
function keepReportingHealthy(t: TestApp, id: string, stopAt = 101): { stop: () => Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      if ((await getRollout(t, id)).percentage >= stopAt) break;
      const res = await t.http.post(`/api/v1/rollouts/${id}/health`).set(asClient).send(HEALTHY_REPORT);
      if (res.status === 409) break; // finished
      await sleep(250);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

describe(RolloutSchedulerService.name, () => {
  let t: TestApp & { db: Client };
  let db: Client;
  let configHook: WebhookReceiver;

  beforeAll(async () => {
    configHook = await startWebhookReceiver();
    t = await startTestAppWithDatabase({ ROLLOUT_TICK_SECONDS: '1', ROLLOUT_WEBHOOK_URL: configHook.url });
    db = t.db;
  });
  afterAll(async () => {
    await t.close();
    await configHook.close();
  });
  beforeEach(async () => {
    await db.query('TRUNCATE rollouts CASCADE');
    await db.query('TRUNCATE alerts');
    configHook.received.length = 0;
  });

  const actions = async (id: string) => (await history(t, id)).map((h) => h.action);

  describe('tick (every second)', () => {
    it('should take a healthy rollout 5 → 25 → 50 → 75 → 100 % and complete it, each step once in history', async () => {
      const r = await createRollout(t);
      await startRollout(t, r.id);
      const reporter = keepReportingHealthy(t, r.id);
      const done = await waitFor(
        'completion',
        async () => {
          const current = await getRollout(t, r.id);
          return current.status === 'completed' ? current : undefined;
        },
        40_000,
      );
      await reporter.stop();

      expect(done).toMatchObject({ status: 'completed', percentage: 100, currentStage: 4, rollbackReason: null });
      expect(done.completedAt).not.toBeNull();
      expect(done.lastHealth).toMatchObject({
        verdict: 'healthy',
        stage: 4,
        percentage: 100,
        errorRate: 0.01,
        accuracy: 0.9,
        latencyP95Ms: 120,
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
      // Each stage lasted at least its 1.8 s.
      const at = rows.slice(1).map((h) => new Date(h.at).getTime());
      for (let i = 1; i < at.length; i++) expect(at[i] - at[i - 1]).toBeGreaterThanOrEqual(1800 - 50);
      expect(rows[2].health).toMatchObject({ verdict: 'healthy', stage: 0, percentage: 5 });
      expect(rows[2].health.requests).toBeGreaterThanOrEqual(1000);
      expect(rows[2].reason).toContain('advancing to 25 %');
      expect(await countRows(db, 'SELECT count(*) FROM alerts')).toBe(0);
    });

    it('should roll back a rollout with 10 % errors at 25 % within two ticks, with alert, webhooks and history', async () => {
      const ownHook = await startWebhookReceiver();
      const warn = jest.spyOn(Logger.prototype, 'warn');
      try {
        const r = await createRollout(t, { webhookUrl: ownHook.url });
        await startRollout(t, r.id);
        const reporter = keepReportingHealthy(t, r.id, 25);
        await waitFor('stage 25 %', async () => ((await getRollout(t, r.id)).percentage === 25 ? true : undefined));
        await reporter.stop();

        await report(t, r.id, { requests: 1000, errors: 100, latencyP95Ms: 150, labeled: 100, correct: 90 });
        const reportedAt = Date.now();
        const rolledBack = await waitFor('rollback', async () => {
          const current = await getRollout(t, r.id);
          return current.status === 'rolled_back' ? current : undefined;
        });
        // Ticks come every second: two ticks at most, plus a little time for the request round trips.
        expect(Date.now() - reportedAt).toBeLessThan(2500);

        expect(rolledBack).toMatchObject({ status: 'rolled_back', percentage: 0, currentStage: 1 });
        // Normally the window holds the bad report alone (10 %); a healthy report that raced into the 25 % stage dilutes it.
        const window = (
          await db.query(
            `SELECT sum(requests)::float8 AS requests, sum(errors)::float8 AS errors FROM rollout_health_reports WHERE rollout_id = $1 AND received_at >= $2`,
            [r.id, rolledBack.stageStartedAt],
          )
        ).rows[0];
        const errorRate = Math.round((window.errors / window.requests) * 10_000) / 10_000;
        expect(errorRate).toBeGreaterThan(0.05);
        expect(rolledBack.rollbackReason).toContain(`errorRate ${errorRate} > maxErrorRate 0.05`);
        expect(rolledBack.rollbackReason).not.toContain('latency');
        expect(rolledBack.lastHealth).toMatchObject({
          verdict: 'unhealthy',
          failedChecks: [{ check: 'errorRate', threshold: 0.05, comparison: '>' }],
        });

        const rows = await history(t, r.id);
        const tail = rows.slice(-2);
        expect(tail.map((h) => [h.action, h.fromPercentage, h.toPercentage, h.stage, h.actor])).toEqual([
          ['health_failed', 25, 25, 1, 'scheduler'],
          ['rolled_back', 25, 0, 1, 'scheduler'],
        ]);
        expect(tail[0].health.errorRate).toBeCloseTo(errorRate, 4);
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
        expect(alerts.body.items[0].message).toContain(`errorRate ${errorRate} > maxErrorRate 0.05`);

        // Both the rollout's own webhook and ROLLOUT_WEBHOOK_URL get the event, once each.
        for (const hook of [ownHook, configHook]) {
          await waitFor('webhook', async () => (hook.received.length > 0 ? true : undefined), 5000);
          expect(hook.received).toHaveLength(1);
          expect(hook.received[0].headers['content-type']).toBe('application/json');
          expect(hook.received[0].body).toMatchObject({
            event: 'rollout.rolled_back',
            trigger: 'automatic',
            rollout: { id: r.id, name: r.name, modelVersion: 'v2.0.0', status: 'rolled_back', percentage: 0 },
            fromPercentage: 25,
            toPercentage: 0,
            stage: 1,
            failedChecks: [{ check: 'errorRate', threshold: 0.05, comparison: '>' }],
          });
          expect(hook.received[0].body.failedChecks[0].value).toBeCloseTo(errorRate, 4);
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
  });

  describe('tick (called directly)', () => {
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

    it('should hold with too few requests: waiting_for_data, no advance, no rollback, held recorded once', async () => {
      const r = await createRollout(t, { schedule: { stages: stages(SHORT_STAGE_HOURS) } });
      await startRollout(t, r.id);
      // 100 % errors, but only 50 of the 100 requests needed to judge.
      await report(t, r.id, { requests: 50, errors: 50 });
      await tick(t);
      expect((await getRollout(t, r.id)).lastHealth).toMatchObject({ verdict: 'waiting_for_data', requests: 50 });
      expect(await actions(r.id)).toEqual(['created', 'started']);
      await sleep(2000); // the 1.8 s stage is now due
      for (let i = 0; i < 3; i++) {
        await tick(t);
        await sleep(300);
      }
      const current = await getRollout(t, r.id);
      expect(current).toMatchObject({ status: 'running', percentage: 5, currentStage: 0, rollbackReason: null });
      expect(current.lastHealth).toMatchObject({ verdict: 'waiting_for_data', requests: 50, errors: 50, failedChecks: [] });
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
      const startTime = new Date(Date.now() + 1500).toISOString();
      const r = await createRollout(t, { schedule: { startTime, stages: stages(1) } });
      await startRollout(t, r.id);
      await tick(t);
      expect((await getRollout(t, r.id)).status).toBe('scheduled');
      const started = await waitFor(
        'scheduled start',
        async () => {
          const current = await getRollout(t, r.id);
          return current.status === 'running' ? current : undefined;
        },
        5000,
      );
      expect(started).toMatchObject({ percentage: 5, currentStage: 0 });
      expect(new Date(started.startedAt).getTime()).toBeGreaterThanOrEqual(new Date(startTime).getTime());
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
      await sleep(2000);
      await tick(t);
      expect(await getRollout(t, r.id)).toMatchObject({ status: 'paused', percentage: 5 });
      expect(await actions(r.id)).toEqual(['created', 'started', 'paused']);
    });

    it('should retry a failing webhook with backoff and never make the tick wait for it', async () => {
      const flaky = await startWebhookReceiver([500, 503]);
      try {
        const r = await createRollout(t, { webhookUrl: flaky.url, schedule: { stages: stages(1) } });
        await startRollout(t, r.id);
        await report(t, r.id, { requests: 1000, errors: 500 });
        const before = Date.now();
        await tick(t);
        expect(Date.now() - before).toBeLessThan(1000);
        expect((await getRollout(t, r.id)).status).toBe('rolled_back');
        // Attempts after 0, 1 and 2 more seconds (1 s then 2 s backoff): the third one is answered 200.
        await waitFor('third delivery', async () => (flaky.received.length >= 3 ? true : undefined), 8000);
        await sleep(500);
        expect(flaky.received).toHaveLength(3);
        expect(flaky.received[1].at - flaky.received[0].at).toBeGreaterThanOrEqual(900);
        expect(flaky.received[2].at - flaky.received[1].at).toBeGreaterThanOrEqual(1900);
        expect(flaky.received.every((d) => d.body.rollout.id === r.id)).toBe(true);
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

    it('should send a webhook for a manual rollback too, and raise no alert for it', async () => {
      const r = await createRollout(t);
      await startRollout(t, r.id);
      await t.http.post(`/api/v1/rollouts/${r.id}/rollback`).set(asAdmin).send({ reason: 'bad offline eval' }).expect(200);
      await waitFor('webhook', async () => (configHook.received.length > 0 ? true : undefined), 5000);
      expect(configHook.received[0].body).toMatchObject({
        event: 'rollout.rolled_back',
        trigger: 'manual',
        reason: 'bad offline eval',
        fromPercentage: 5,
      });
      expect(await countRows(db, 'SELECT count(*) FROM alerts')).toBe(0);
    });
  });
});
