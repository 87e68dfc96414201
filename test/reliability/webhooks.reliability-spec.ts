import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { Receiver } from '../e2e/webhooks-support';
import { call, eventually, freePort, PostgresServer, ServiceProcess, withDatabase } from './support';

const LEGACY_SECRET = 'whsec_' + Buffer.alloc(32, 5).toString('base64');
const ENV = { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_TICK_SECONDS: '0.2', WEBHOOK_TIMEOUT_SECONDS: '2', WEBHOOK_SECRET: LEGACY_SECRET };

/**
 * At-least-once across kill -9: a notification the service acknowledged arrives once the receiver is
 * back, however the service died in between, and every attempt carries the same webhook-id. The
 * trigger is a real rollout rollback: its `rollout.rolled_back` delivery is written in the rollback's
 * transaction, to the subscription and to the rollout's own (legacy) `webhookUrl`.
 */
describe('webhooks across kill -9', () => {
  let dataDir: string;
  let pg: PostgresServer;
  let port: number;
  let service: ServiceProcess | null = null;
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'experimentation-webhooks-'));
    pg = await PostgresServer.launch(dataDir);
    port = await freePort();
    service = await ServiceProcess.start(port, { DATABASE_URL: pg.url, ...ENV });
  }, 180_000);

  afterAll(async () => {
    await service?.stop();
    for (const receiver of receivers) await receiver.close().catch(() => undefined);
    await pg?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  const base = () => `http://127.0.0.1:${port}`;

  async function subscribe(url: string): Promise<{ id: string; secret: string }> {
    const res = await call(base(), 'POST', '/api/v1/webhooks', { url, events: ['rollout.rolled_back'] });
    if (res.status !== 201) throw new Error(`subscribe: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** Creates, starts and rolls back a rollout; the id of the `rollout.rolled_back` delivery to `webhookId`. */
  async function rollBack(webhookId: string, name: string, webhookUrl: string | null = null): Promise<string> {
    const created = await call(base(), 'POST', '/api/v1/rollouts', {
      name,
      modelVersion: `${name}-v2`,
      schedule: {
        stages: [
          { percentage: 10, durationHours: 1 },
          { percentage: 100, durationHours: 1 },
        ],
      },
      webhookUrl,
    });
    if (created.status !== 201) throw new Error(`create rollout: ${created.status} ${JSON.stringify(created.body)}`);
    const id = (created.body as { id: string }).id;
    for (const [action, body] of [
      ['start', {}],
      ['rollback', { reason: 'bad offline eval' }],
    ] as const) {
      const res = await call(base(), 'POST', `/api/v1/rollouts/${id}/${action}`, body);
      if (res.status !== 200) throw new Error(`${action}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    return withDatabase(
      pg.url,
      async (db) =>
        (await db.query(`SELECT id FROM webhook_deliveries WHERE subscription_id = $1 AND event = 'rollout.rolled_back'`, [webhookId]))
          .rows[0].id as string,
    );
  }

  async function deliveryRow(id: string): Promise<{ status: string; attempts: number; last_error: string | null }> {
    return withDatabase(
      pg.url,
      async (db) => (await db.query(`SELECT status, attempts, last_error FROM webhook_deliveries WHERE id = $1`, [id])).rows[0],
    );
  }

  async function killAndRestart(): Promise<void> {
    const killed = service!;
    killed.child.kill('SIGKILL');
    expect(await killed.exited).toEqual({ code: null, signal: 'SIGKILL' });
    service = await ServiceProcess.start(port, { DATABASE_URL: pg.url, ...ENV });
  }

  it('should deliver an event whose receiver failed, then went down, while the service was killed and restarted', async () => {
    let receiver = await Receiver.start();
    receivers.push(receiver);
    const receiverPort = receiver.port;
    receiver.fallback = { status: 503 };
    const hook = await subscribe(receiver.url());
    const deliveryId = await rollBack(hook.id, 'first');

    // The first attempt at once, the second ~5 s later: both refused with 503.
    await eventually(async () => receiver.received.length >= 2, 30_000, 'two failed attempts');
    await receiver.close();
    await killAndRestart();
    const meanwhile = await deliveryRow(deliveryId);
    expect(meanwhile.status).toBe('pending');
    expect(meanwhile.attempts).toBeGreaterThanOrEqual(2);

    const failed = receiver.received.slice();
    receiver = await Receiver.start(receiverPort);
    receivers.push(receiver);
    await eventually(async () => receiver.received.length >= 1, 60_000, 'the delivery after the restart');
    await eventually(async () => (await deliveryRow(deliveryId)).status === 'delivered', 10_000, 'delivered recorded');

    const attempts = [...failed, ...receiver.received];
    expect(new Set(attempts.map((a) => a.headers['webhook-id']))).toEqual(new Set([deliveryId]));
    expect(new Set(attempts.map((a) => a.body)).size).toBe(1);
    const last = receiver.received[receiver.received.length - 1];
    expect(new Webhook(hook.secret).verify(last.body, last.headers)).toMatchObject({
      type: 'rollout.rolled_back',
      data: { rollout: { name: 'first', status: 'rolled_back' }, trigger: 'manual', reason: 'bad offline eval' },
    });
  });

  it('should deliver an event acknowledged just before a kill -9, with the receiver down until after the restart', async () => {
    const receiverPort = await freePort();
    const hook = await subscribe(`http://127.0.0.1:${receiverPort}/hook`);
    const deliveryId = await rollBack(hook.id, 'second', `http://127.0.0.1:${receiverPort}/legacy`);
    // Whether or not the first attempt (connection refused) happened, or was in flight, before the kill.
    await killAndRestart();
    const receiver = await Receiver.start(receiverPort);
    receivers.push(receiver);
    await eventually(async () => (await deliveryRow(deliveryId)).status === 'delivered', 60_000, 'delivered after the restart');
    expect(receiver.at('/hook').map((r) => r.headers['webhook-id'])).toEqual([deliveryId]);
    const [request] = receiver.at('/hook');
    expect(new Webhook(hook.secret).verify(request.body, request.headers)).toMatchObject({ type: 'rollout.rolled_back' });
    // The rollout's own webhookUrl got the same event through the same outbox, signed with WEBHOOK_SECRET.
    await eventually(async () => receiver.at('/legacy').length >= 1, 30_000, 'the legacy delivery');
    const [legacy] = receiver.at('/legacy');
    expect(new Webhook(LEGACY_SECRET).verify(legacy.body, legacy.headers)).toMatchObject({
      type: 'rollout.rolled_back',
      data: { rollout: { name: 'second', webhookUrl: `http://127.0.0.1:${receiverPort}/legacy` } },
    });
  });
});
