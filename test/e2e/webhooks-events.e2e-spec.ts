import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { SUBSCRIBABLE_EVENT_TYPES } from '../../src/webhooks/webhook-events';
import { asAdmin } from '../support/test-app';
import {
  ClockedApp,
  createRollout,
  getRollout,
  HOUR_MS,
  LOCAL_WEBHOOKS,
  report,
  sendWebhooks,
  SHORT_STAGE_HOURS,
  stages,
  startClockedApp,
  startRollout,
  tick,
} from './rollouts-support';
import { Receiver } from './webhooks-support';

const STAGE_MS = SHORT_STAGE_HOURS * HOUR_MS;

interface Payload {
  type: string;
  timestamp: string;
  data: Record<string, any>;
}

/**
 * Phase B of the webhooks: every event type is emitted by the real change that causes it (admin
 * commands, scheduler ticks, lifecycle calls, alerts), written to the outbox in that change's
 * transaction, and reaches a subscriber signed so that the `standardwebhooks` verifier accepts it.
 */
describe('Webhook events from real changes', () => {
  let t: ClockedApp;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await Receiver.start();
    t = await startClockedApp(LOCAL_WEBHOOKS);
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('should send every event type, signed, and a forged or altered delivery should fail verification', async () => {
    const { secret } = (
      await t.http
        .post('/api/v1/webhooks')
        .set(asAdmin)
        .send({ url: receiver.url('/all'), events: ['*'] })
        .expect(201)
    ).body;

    // Rollout 1: started → held (stage due, no data) → advanced → paused → resumed → promoted.
    const first = await createRollout(t, {
      name: 'first',
      modelVersion: 'v-first',
      schedule: { stages: stages(SHORT_STAGE_HOURS, [5, 50, 100]) },
    });
    await startRollout(t, first.id);
    t.clock.advance(STAGE_MS);
    await tick(t);
    await report(t, first.id);
    await tick(t);
    expect((await getRollout(t, first.id)).percentage).toBe(50);
    for (const command of ['pause', 'resume', 'promote']) {
      await t.http
        .post(`/api/v1/rollouts/${first.id}/${command}`)
        .set(asAdmin)
        .send({ reason: `${command} by hand` })
        .expect(200);
    }
    // Rollout 2: one stage at 100 %, completed by the scheduler.
    const second = await createRollout(t, {
      name: 'second',
      modelVersion: 'v-second',
      schedule: { stages: stages(SHORT_STAGE_HOURS, [100]) },
    });
    await startRollout(t, second.id);
    await report(t, second.id);
    t.clock.advance(STAGE_MS);
    await tick(t);
    expect((await getRollout(t, second.id)).status).toBe('completed');
    // Rollout 3: rolled back by the scheduler (raises an alert), whose alert is then resolved.
    const third = await createRollout(t, { name: 'third', modelVersion: 'v-third' });
    await startRollout(t, third.id);
    await report(t, third.id, { requests: 1000, errors: 400 });
    await tick(t);
    const alert = (await t.http.get('/api/v1/alerts').set(asAdmin).expect(200)).body.items[0];
    await t.http.post(`/api/v1/alerts/${alert.id}/resolve`).set(asAdmin).expect(200);
    // An experiment through its lifecycle.
    const experiment = (
      await t.http
        .post('/api/v1/experiments')
        .set(asAdmin)
        .send({
          name: 'hooked',
          variants: [
            { name: 'control', weight: 0.5 },
            { name: 'treatment', weight: 0.5 },
          ],
          metrics: [{ name: 'purchase', type: 'conversion' }],
        })
        .expect(201)
    ).body;
    for (const action of ['start', 'pause', 'resume'])
      await t.http.post(`/api/v1/experiments/${experiment.id}/${action}`).set(asAdmin).expect(200);
    await t.http.post(`/api/v1/experiments/${experiment.id}/complete`).set(asAdmin).send({ winner: 'treatment' }).expect(200);

    expect(receiver.at('/all')).toEqual([]); // nothing is sent from a request or a tick
    const summary = await sendWebhooks(t);
    expect(summary).toMatchObject({ retrying: 0, failed: 0 });

    const verifier = new Webhook(secret);
    const received = receiver.at('/all');
    const payloads = received.map((r) => verifier.verify(r.body, r.headers) as Payload);
    expect(new Set(payloads.map((p) => p.type))).toEqual(new Set(SUBSCRIBABLE_EVENT_TYPES));
    expect(payloads.map((p) => p.type).sort()).toEqual(
      [
        'rollout.started',
        'rollout.held',
        'rollout.advanced',
        'rollout.paused',
        'rollout.resumed',
        'rollout.promoted',
        'rollout.started',
        'rollout.completed',
        'rollout.started',
        'rollout.rolled_back',
        'alert.raised',
        'alert.resolved',
        'experiment.started',
        'experiment.paused',
        'experiment.resumed',
        'experiment.completed',
      ].sort(),
    );

    const byType = (type: string, id?: string): Payload =>
      payloads.find((p) => p.type === type && (id === undefined || p.data.rollout?.id === id)) as Payload;
    const rolledBack = await getRollout(t, third.id);
    expect(byType('rollout.rolled_back').data).toEqual({
      rollout: rolledBack,
      trigger: 'automatic',
      reason: rolledBack.rollbackReason,
      fromPercentage: 5,
      toPercentage: 0,
      stage: 0,
      health: rolledBack.lastHealth,
      failedChecks: [{ check: 'errorRate', value: 0.4, threshold: 0.05, comparison: '>' }],
    });
    expect(byType('rollout.held').data).toMatchObject({
      trigger: 'automatic',
      rollout: { id: first.id },
      health: { verdict: 'waiting_for_data' },
    });
    expect(byType('rollout.advanced').data).toMatchObject({
      fromPercentage: 5,
      toPercentage: 50,
      stage: 1,
      health: { verdict: 'healthy' },
    });
    expect(byType('rollout.paused').data).toMatchObject({ trigger: 'manual', reason: 'pause by hand', rollout: { status: 'paused' } });
    expect(byType('rollout.promoted').data).toMatchObject({ rollout: { id: first.id, status: 'completed', percentage: 100 } });
    expect(byType('rollout.completed').data).toMatchObject({ trigger: 'automatic', rollout: { id: second.id, status: 'completed' } });
    expect(byType('alert.raised').data.alert).toMatchObject({
      id: alert.id,
      kind: 'rollout_rollback',
      subjectId: third.id,
      status: 'open',
    });
    expect(byType('alert.resolved').data.alert).toMatchObject({ id: alert.id, status: 'resolved' });
    expect(byType('experiment.started').data.experiment).toMatchObject({ id: experiment.id, key: experiment.key, status: 'running' });
    expect(byType('experiment.completed').data).toMatchObject({
      winner: 'treatment',
      experiment: { status: 'completed', winner: 'treatment' },
    });

    // Each delivery has its own webhook-id; a forged signature, another secret or an altered body are rejected.
    expect(new Set(received.map((r) => r.headers['webhook-id'])).size).toBe(received.length);
    const sample = received[0];
    const forged = { ...sample.headers, 'webhook-signature': `v1,${Buffer.alloc(32, 1).toString('base64')}` };
    expect(() => verifier.verify(sample.body, forged)).toThrow(WebhookVerificationError);
    const otherSecret = new Webhook('whsec_' + Buffer.alloc(24, 9).toString('base64'));
    expect(() => otherSecret.verify(sample.body, sample.headers)).toThrow(WebhookVerificationError);
    expect(() => verifier.verify(sample.body.replace('"type":"', '"type":"x'), sample.headers)).toThrow(WebhookVerificationError);
  });
});
