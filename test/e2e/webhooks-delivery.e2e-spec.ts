import { Client } from 'pg';
import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { ManualClock } from '../../src/common/clock';
import {
  alertEvent,
  experimentEvent,
  rolloutEvent,
  SUBSCRIBABLE_EVENT_TYPES,
  WEBHOOK_EVENT_TYPES,
  type SubscribableEventType,
  type WebhookEvent,
} from '../../src/webhooks/webhook-events';
import { WebhookOutbox } from '../../src/webhooks/webhook-outbox.service';
import { MAX_ATTEMPTS, nominalRetryDelayMs } from '../../src/webhooks/webhook-retry-decision';
import { SENDER_CONCURRENCY, WebhookSender } from '../../src/webhooks/webhook-sender.service';
import { claimDue } from '../../src/webhooks/webhook.store';
import { WebhookTargetGuard } from '../../src/webhooks/webhook-target';
import { asAdmin, startTestApp, TestApp } from '../support/test-app';
import { Receiver, type Received } from './webhooks-support';

const LEGACY_SECRET = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
const PUBLIC_URL = 'https://experiments.example.com';

const rollout = {
  id: '0b1e2a7c-4f7e-4d2b-9a52-3d3e5c1f9a10',
  name: 'ml-model-v2-rollout',
  modelVersion: 'v2.0.0',
  baselineVersion: 'v1.4.2',
  status: 'rolled_back',
  percentage: 0,
  currentStage: 1,
  schedule: {
    startTime: null,
    stages: [
      { percentage: 5, durationHours: 2 },
      { percentage: 25, durationHours: 4 },
      { percentage: 100, durationHours: 24 },
    ],
  },
  rollbackReason: 'errorRate 0.12 > 0.05',
};
const experiment = {
  id: '6a0e3f8e-5d0c-4c57-8a1a-0f1e2d3c4b5a',
  key: 'checkout-button',
  name: 'Checkout button',
  status: 'running',
  winner: null,
};
const alert = {
  id: '9c9d7f0e-1111-4222-8333-444455556666',
  kind: 'rollout_rollback',
  severity: 'critical',
  subjectType: 'rollout',
  subjectId: rollout.id,
  message: 'Rollout ml-model-v2-rollout rolled back: errorRate 0.12 > 0.05',
  status: 'open',
};
const failedChecks = [{ check: 'errorRate', value: 0.12, threshold: 0.05, comparison: '>' }];

/** The event every emitter of phase B would send for this type, built by the payload builders. */
function sampleEvent(type: SubscribableEventType): WebhookEvent {
  switch (type) {
    case 'rollout.started':
    case 'rollout.advanced':
    case 'rollout.held':
    case 'rollout.paused':
    case 'rollout.resumed':
    case 'rollout.promoted':
    case 'rollout.completed':
      return rolloutEvent(type, { ...rollout, status: 'running', percentage: 25 }, { fromPercentage: 5, toPercentage: 25, stage: 1 });
    case 'rollout.rolled_back':
      return rolloutEvent(type, rollout, {
        trigger: 'automatic',
        reason: rollout.rollbackReason,
        fromPercentage: 25,
        toPercentage: 0,
        stage: 1,
        failedChecks,
      });
    case 'experiment.started':
    case 'experiment.paused':
    case 'experiment.resumed':
    case 'experiment.completed':
      return experimentEvent(type, experiment);
    case 'alert.raised':
    case 'alert.resolved':
      return alertEvent(type, alert);
  }
}

/** Does the signature header carry a v1 signature by `secret`? (The verifier minus its 5-minute clock check, for tests that move time by hours.) */
function signedBy(secret: string, request: Received): boolean {
  const timestamp = new Date(Number(request.headers['webhook-timestamp']) * 1000);
  const expected = new Webhook(secret).sign(request.headers['webhook-id'], timestamp, request.body);
  return request.headers['webhook-signature'].split(' ').includes(expected);
}

describe('Webhook delivery', () => {
  let t: TestApp;
  let db: Client;
  let receiver: Receiver;
  let sender: WebhookSender;
  let outbox: WebhookOutbox;
  let dataSource: DataSource;
  const clock = new ManualClock(Date.now());

  beforeAll(async () => {
    receiver = await Receiver.start();
    t = await startTestApp(
      {
        WEBHOOK_TICK_SECONDS: '3600',
        WEBHOOK_ALLOW_PRIVATE: 'true',
        WEBHOOK_TIMEOUT_SECONDS: '1',
        WEBHOOK_SECRET: LEGACY_SECRET,
        ROLLOUT_WEBHOOK_URL: receiver.url('/global'),
        PUBLIC_URL,
      },
      { clock },
    );
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    sender = t.app.get(WebhookSender);
    sender.random = () => 0.5; // no jitter: attempts fall exactly on the nominal schedule
    outbox = t.app.get(WebhookOutbox);
    dataSource = t.app.get(DataSource);
  });
  afterAll(async () => {
    await db.end();
    await t.close();
    await receiver.close();
  });
  beforeEach(async () => {
    await db.query('TRUNCATE webhook_deliveries, webhook_subscriptions');
    receiver.reset();
    // Near the real time, so the standardwebhooks verifier's 5-minute window accepts the timestamps.
    clock.set(Date.now());
  });

  const subscribe = async (body: Record<string, unknown>): Promise<{ id: string; secret: string }> =>
    (await t.http.post('/api/v1/webhooks').set(asAdmin).send(body).expect(201)).body;
  const deliveries = async (id: string, status?: string) =>
    (
      await t.http
        .get(`/api/v1/webhooks/${id}/deliveries`)
        .query(status ? { status } : {})
        .set(asAdmin)
        .expect(200)
    ).body;
  const counted = async (event: string, outcome: string): Promise<number> => {
    const text = (await t.http.get('/metrics').expect(200)).text;
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`experimentation_webhook_deliveries_total{event="${event}",outcome="${outcome}"} `));
    return line ? Number(line.split(' ')[1]) : 0;
  };
  const emit = (event: WebhookEvent) => dataSource.transaction((manager) => outbox.enqueue(manager, event));

  it('should bring every event type to a subscriber, signed so that standardwebhooks verifies it and rejects a forgery', async () => {
    const all = await subscribe({ url: receiver.url('/all'), events: ['*'] });
    const some = await subscribe({ url: receiver.url('/some'), events: ['rollout.rolled_back', 'alert.raised'] });
    const paused = await subscribe({ url: receiver.url('/paused'), events: ['*'] });
    await t.http.patch(`/api/v1/webhooks/${paused.id}`).set(asAdmin).send({ active: false }).expect(200);

    for (const type of SUBSCRIBABLE_EVENT_TYPES) {
      expect(await emit(sampleEvent(type))).toBe(type === 'rollout.rolled_back' || type === 'alert.raised' ? 2 : 1);
    }
    const test = (await t.http.post(`/api/v1/webhooks/${all.id}/test`).set(asAdmin).expect(202)).body;
    expect(test).toMatchObject({ event: 'webhook.test', status: 'pending', attempts: 0, deliveredAt: null });

    expect(await sender.tick()).toEqual({ attempted: 17, delivered: 17, retrying: 0, failed: 0 });
    expect(receiver.at('/paused')).toEqual([]);
    // Up to 8 go out at once: arrival order is not the order of the events (docs/webhooks.md).
    expect(
      receiver
        .at('/some')
        .map((r) => JSON.parse(r.body).type)
        .sort(),
    ).toEqual(['alert.raised', 'rollout.rolled_back']);

    const received = receiver.at('/all');
    const verifier = new Webhook(all.secret);
    const payloads = received.map((r) => verifier.verify(r.body, r.headers) as { type: string; timestamp: string; data: unknown });
    expect(payloads.map((p) => p.type).sort()).toEqual([...WEBHOOK_EVENT_TYPES].sort());
    for (const p of payloads) {
      expect(Object.keys(p)).toEqual(['type', 'timestamp', 'data']);
      expect(new Date(p.timestamp).toISOString()).toBe(p.timestamp);
    }
    const rolledBack = payloads.find((p) => p.type === 'rollout.rolled_back');
    expect(rolledBack?.data).toEqual({
      rollout,
      trigger: 'automatic',
      reason: rollout.rollbackReason,
      fromPercentage: 25,
      toPercentage: 0,
      stage: 1,
      failedChecks,
    });
    expect(payloads.find((p) => p.type === 'alert.raised')?.data).toEqual({ alert });
    expect(payloads.find((p) => p.type === 'experiment.started')?.data).toEqual({ experiment });

    // The headers of the standard, and webhook-id = the delivery id.
    const byId = new Map((await deliveries(all.id)).items.map((d: { id: string }) => [d.id, d]));
    for (const r of received) {
      expect(r.method).toBe('POST');
      expect(r.headers['content-type']).toBe('application/json');
      expect(byId.get(r.headers['webhook-id'])).toMatchObject({
        status: 'delivered',
        attempts: 1,
        lastStatusCode: 204,
        lastError: null,
        nextAttemptAt: null,
      });
      expect(r.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    }
    expect(received.find((r) => JSON.parse(r.body).type === 'webhook.test')?.headers['webhook-id']).toBe(test.id);

    // Forgeries: a changed body, another id, an old timestamp re-signed by someone without the secret, the other subscriber's secret.
    const original = received[0];
    expect(() => verifier.verify(original.body.replace('"type":"', '"type":"x'), original.headers)).toThrow('No matching signature found');
    expect(() => verifier.verify(original.body, { ...original.headers, 'webhook-id': received[1].headers['webhook-id'] })).toThrow(
      'No matching signature found',
    );
    const forger = 'whsec_' + Buffer.alloc(32, 1).toString('base64');
    const forged = {
      ...original.headers,
      'webhook-signature': new Webhook(forger).sign(original.headers['webhook-id'], clock.now(), original.body),
    };
    expect(() => verifier.verify(original.body, forged)).toThrow('No matching signature found');
    expect(() => new Webhook(some.secret).verify(original.body, original.headers)).toThrow('No matching signature found');
  });

  it('should retry with backoff and the same webhook-id until the receiver answers 2xx', async () => {
    const hook = await subscribe({ url: receiver.url('/flaky'), events: ['rollout.rolled_back'] });
    const [retriedBefore, deliveredBefore] = [
      await counted('rollout.rolled_back', 'retry'),
      await counted('rollout.rolled_back', 'delivered'),
    ];
    receiver.answer({ status: 503, body: 'maintenance' }, 'reset', { status: 200 });
    await emit(sampleEvent('rollout.rolled_back'));

    expect(await sender.tick()).toMatchObject({ attempted: 1, retrying: 1 });
    let [row] = (await deliveries(hook.id)).items;
    expect(row).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 503, lastError: 'HTTP 503: maintenance' });
    expect(new Date(row.nextAttemptAt).getTime() - clock.now().getTime()).toBe(nominalRetryDelayMs(1));

    // Not before it is due.
    clock.advance(nominalRetryDelayMs(1) - 1);
    expect((await sender.tick()).attempted).toBe(0);
    clock.advance(1);
    expect(await sender.tick()).toMatchObject({ attempted: 1, retrying: 1 });
    [row] = (await deliveries(hook.id)).items;
    expect(row).toMatchObject({ status: 'pending', attempts: 2, lastStatusCode: null });
    expect(row.lastError).toContain('ECONNRESET');

    clock.advance(nominalRetryDelayMs(2));
    expect(await sender.tick()).toMatchObject({ attempted: 1, delivered: 1 });
    [row] = (await deliveries(hook.id, 'delivered')).items;
    expect(row).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 200, lastError: null, nextAttemptAt: null });
    expect(row.deliveredAt).toBe(clock.now().toISOString());

    const attempts = receiver.at('/flaky');
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((a) => a.headers['webhook-id']))).toEqual(new Set([row.id]));
    expect(new Set(attempts.map((a) => a.body)).size).toBe(1);
    expect(attempts.map((a) => Number(a.headers['webhook-timestamp']))).toEqual([
      expect.any(Number),
      Number(attempts[0].headers['webhook-timestamp']) + 5,
      Number(attempts[0].headers['webhook-timestamp']) + 20,
    ]);
    for (const a of attempts) expect(signedBy(hook.secret, a)).toBe(true);

    expect(await counted('rollout.rolled_back', 'retry')).toBe(retriedBefore + 2);
    expect(await counted('rollout.rolled_back', 'delivered')).toBe(deliveredBefore + 1);
  });

  it(`should give up after ${MAX_ATTEMPTS} attempts (failed), and deliver on a redelivery by hand with the same webhook-id`, async () => {
    const hook = await subscribe({ url: receiver.url('/down'), events: ['alert.raised'] });
    receiver.fallback = { status: 500 };
    await emit(sampleEvent('alert.raised'));
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      expect((await sender.tick()).attempted).toBe(1);
      if (attempt < MAX_ATTEMPTS) clock.advance(nominalRetryDelayMs(attempt));
    }
    let [row] = (await deliveries(hook.id, 'failed')).items;
    expect(row).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS, lastStatusCode: 500, nextAttemptAt: null, deliveredAt: null });
    clock.advance(7 * 86400_000);
    expect((await sender.tick()).attempted).toBe(0);
    expect((await deliveries(hook.id, 'pending')).total).toBe(0);
    expect(await counted('alert.raised', 'failed')).toBe(1);

    receiver.fallback = { status: 202 };
    const redelivered = await t.http.post(`/api/v1/webhooks/${hook.id}/deliveries/${row.id}/redeliver`).set(asAdmin).expect(202);
    expect(redelivered.body).toMatchObject({ id: row.id, status: 'pending', attempts: 0, nextAttemptAt: clock.now().toISOString() });
    expect(await sender.tick()).toMatchObject({ attempted: 1, delivered: 1 });
    [row] = (await deliveries(hook.id)).items;
    expect(row).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 202 });
    const attempts = receiver.at('/down');
    expect(attempts).toHaveLength(MAX_ATTEMPTS + 1);
    expect(new Set(attempts.map((a) => a.headers['webhook-id']))).toEqual(new Set([row.id]));
  });

  it('should sign with both secrets for 24 h after a rotation, then with the new one only', async () => {
    const hook = await subscribe({ url: receiver.url('/rotating'), events: ['*'] });
    const rotated = (await t.http.post(`/api/v1/webhooks/${hook.id}/rotate-secret`).set(asAdmin).expect(200)).body;
    await t.http.post(`/api/v1/webhooks/${hook.id}/test`).set(asAdmin).expect(202);
    await sender.tick();
    const [during] = receiver.at('/rotating');
    expect(during.headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(hook.secret).verify(during.body, during.headers)).toMatchObject({ type: 'webhook.test' });
    expect(new Webhook(rotated.secret).verify(during.body, during.headers)).toMatchObject({ type: 'webhook.test' });

    clock.advance(24 * 3600_000 + 1000);
    await emit(sampleEvent('experiment.completed'));
    await sender.tick();
    const [, after] = receiver.at('/rotating');
    expect(after.headers['webhook-signature'].split(' ')).toHaveLength(1);
    expect(signedBy(rotated.secret, after)).toBe(true);
    expect(signedBy(hook.secret, after)).toBe(false);
    expect((await t.http.get(`/api/v1/webhooks/${hook.id}`).set(asAdmin).expect(200)).body.previousSecretExpiresAt).toBeNull();
  });

  it("should send Slack's incoming-webhook body for format slack", async () => {
    const hook = await subscribe({ url: receiver.url('/slack'), events: ['rollout.rolled_back'], format: 'slack' });
    await emit(sampleEvent('rollout.rolled_back'));
    await sender.tick();
    const [request] = receiver.at('/slack');
    expect(JSON.parse(request.body)).toEqual({
      text:
        ':rotating_light: Rollout *ml-model-v2-rollout* (model v2.0.0) rolled back (automatic) from 25 % to 0 % at stage 2 of 3. ' +
        'Reason: errorRate 0.12 &gt; 0.05 Failed checks: error rate 0.12 &gt; 0.05. ' +
        `<${PUBLIC_URL}/rollouts/${rollout.id}|Open in the dashboard>`,
    });
    expect(request.headers['content-type']).toBe('application/json');
    expect(new Webhook(hook.secret).verify(request.body, request.headers)).toHaveProperty('text');
  });

  it('should not follow a redirect: the attempt fails and is retried', async () => {
    const hook = await subscribe({ url: receiver.url('/moved'), events: ['*'] });
    receiver.answer({ status: 302, headers: { location: receiver.url('/elsewhere') } });
    await t.http.post(`/api/v1/webhooks/${hook.id}/test`).set(asAdmin).expect(202);
    expect(await sender.tick()).toMatchObject({ attempted: 1, retrying: 1 });
    expect(receiver.at('/moved')).toHaveLength(1);
    expect(receiver.at('/elsewhere')).toEqual([]);
    const [row] = (await deliveries(hook.id)).items;
    expect(row).toMatchObject({
      status: 'pending',
      lastStatusCode: 302,
      lastError: `HTTP 302: redirect to ${receiver.url('/elsewhere')} not followed`,
    });
  });

  it('should give up on a receiver that does not answer within WEBHOOK_TIMEOUT_SECONDS and retry', async () => {
    const hook = await subscribe({ url: receiver.url('/silent'), events: ['*'] });
    receiver.answer('hang');
    await t.http.post(`/api/v1/webhooks/${hook.id}/test`).set(asAdmin).expect(202);
    expect(await sender.tick()).toMatchObject({ attempted: 1, retrying: 1 });
    const [row] = (await deliveries(hook.id)).items;
    expect(row).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: null, lastError: 'no answer within 1 s' });
  });

  it(`should have at most ${SENDER_CONCURRENCY} POSTs in flight at once`, async () => {
    await subscribe({ url: receiver.url('/slow'), events: ['*'] });
    receiver.fallback = 'hang';
    await dataSource.transaction(async (manager) => {
      for (let i = 0; i < 20; i++) await outbox.enqueue(manager, sampleEvent('rollout.advanced'));
    });
    expect(await sender.tick()).toMatchObject({ attempted: 20, retrying: 20 });
    expect(receiver.at('/slow')).toHaveLength(20);
    expect(receiver.maxOpen).toBe(SENDER_CONCURRENCY);
  });

  it('should connect to the address that was checked, keeping the host name for the Host header', async () => {
    const guard = t.app.get(WebhookTargetGuard);
    const real = guard.lookup;
    guard.lookup = async (host) => (host === 'receiver.example.com' ? [{ address: '127.0.0.1', family: 4 }] : real(host));
    try {
      const hook = await subscribe({ url: `http://receiver.example.com:${receiver.port}/named`, events: ['*'] });
      await t.http.post(`/api/v1/webhooks/${hook.id}/test`).set(asAdmin).expect(202);
      expect(await sender.tick()).toMatchObject({ delivered: 1 });
      expect(receiver.at('/named')[0].headers.host).toBe(`receiver.example.com:${receiver.port}`);
    } finally {
      guard.lookup = real;
    }
  });

  it('should write no delivery when the transaction that enqueued it rolls back', async () => {
    await subscribe({ url: receiver.url('/never'), events: ['*'] });
    await expect(
      dataSource.transaction(async (manager) => {
        expect(await outbox.enqueue(manager, sampleEvent('rollout.rolled_back'))).toBe(1);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect((await db.query('SELECT count(*)::int AS n FROM webhook_deliveries')).rows[0].n).toBe(0);
    expect((await sender.tick()).attempted).toBe(0);
    expect(receiver.received).toEqual([]);
  });

  it('should send again, with the same webhook-id, a delivery whose sender died after claiming it', async () => {
    const hook = await subscribe({ url: receiver.url('/orphan'), events: ['*'] });
    const test = (await t.http.post(`/api/v1/webhooks/${hook.id}/test`).set(asAdmin).expect(202)).body;
    // A sender that claims and then dies (kill -9): the row is leased, its attempt counted, nothing recorded.
    const lease = 2 * 1000 + 5000;
    const [claimed] = await claimDue(dataSource.manager, clock.now(), new Date(clock.now().getTime() + lease), 10);
    expect(claimed).toMatchObject({ id: test.id, attempts: 1 });
    expect((await sender.tick()).attempted).toBe(0);
    clock.advance(lease);
    expect(await sender.tick()).toMatchObject({ attempted: 1, delivered: 1 });
    expect(receiver.at('/orphan').map((r) => r.headers['webhook-id'])).toEqual([test.id]);
    expect((await deliveries(hook.id)).items[0]).toMatchObject({ id: test.id, status: 'delivered', attempts: 2 });
  });

  it('should send legacy rollout notifications to the rollout URL and ROLLOUT_WEBHOOK_URL, signed with WEBHOOK_SECRET', async () => {
    const event = sampleEvent('rollout.rolled_back');
    const written = await dataSource.transaction((manager) => outbox.enqueueLegacyRollout(manager, receiver.url('/rollout'), event));
    expect(written).toBe(2);
    // The same URL in both places: one delivery.
    expect(await dataSource.transaction((manager) => outbox.enqueueLegacyRollout(manager, receiver.url('/global'), event))).toBe(1);
    expect(await dataSource.transaction((manager) => outbox.enqueueLegacyRollout(manager, null, event))).toBe(1);
    expect(await sender.tick()).toMatchObject({ attempted: 4, delivered: 4 });
    expect(receiver.at('/rollout')).toHaveLength(1);
    expect(receiver.at('/global')).toHaveLength(3);
    for (const request of receiver.received) {
      expect(new Webhook(LEGACY_SECRET).verify(request.body, request.headers)).toMatchObject({
        type: 'rollout.rolled_back',
        data: { rollout },
      });
    }
  });

  it('should show the oldest pending delivery on /metrics', async () => {
    const hook = await subscribe({ url: receiver.url('/later'), events: ['*'] });
    receiver.fallback = { status: 503 };
    await t.http.post(`/api/v1/webhooks/${hook.id}/test`).set(asAdmin).expect(202);
    await sender.tick();
    clock.advance(42_000);
    const metrics = (await t.http.get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/^experimentation_webhook_oldest_pending_seconds 42$/m);
    expect(metrics).toMatch(/^experimentation_webhook_pending 1$/m);
    await db.query('TRUNCATE webhook_deliveries');
    expect((await t.http.get('/metrics').expect(200)).text).toMatch(/^experimentation_webhook_oldest_pending_seconds 0$/m);
  });
});

describe('Webhook sender at shutdown', () => {
  it('should hand a POST cut short by shutdown back at once, uncounted, for another replica to send with the same webhook-id', async () => {
    const receiver = await Receiver.start();
    const env = { WEBHOOK_TICK_SECONDS: '3600', WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_TIMEOUT_SECONDS: '60' };
    const a = await startTestApp(env);
    const b = await startTestApp(env, { databaseUrl: a.databaseUrl });
    try {
      const hook = (
        await a.http
          .post('/api/v1/webhooks')
          .set(asAdmin)
          .send({ url: receiver.url(), events: ['*'] })
          .expect(201)
      ).body;
      const test = (await a.http.post(`/api/v1/webhooks/${hook.id}/test`).set(asAdmin).expect(202)).body;
      receiver.answer('hang');
      const ticking = b.app.get(WebhookSender).tick();
      while (receiver.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));

      // B stops while its POST waits for an answer that would take up to 60 s.
      await b.close();
      expect(await ticking).toMatchObject({ attempted: 1, delivered: 0, retrying: 0, failed: 0 });
      const [row] = (await a.http.get(`/api/v1/webhooks/${hook.id}/deliveries`).set(asAdmin).expect(200)).body.items;
      expect(row).toMatchObject({ id: test.id, status: 'pending', attempts: 0 });
      expect(new Date(row.nextAttemptAt).getTime()).toBeLessThanOrEqual(Date.now());

      expect(await a.app.get(WebhookSender).tick()).toMatchObject({ attempted: 1, delivered: 1 });
      expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([test.id, test.id]);
    } finally {
      await a.close();
      await receiver.close();
    }
  });
});
