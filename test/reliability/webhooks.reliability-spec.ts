import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { Receiver } from '../e2e/webhooks-support';
import { call, eventually, freePort, PostgresServer, ServiceProcess, withDatabase } from './support';

const ENV = { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_TICK_SECONDS: '0.2', WEBHOOK_TIMEOUT_SECONDS: '2' };

/**
 * At-least-once across kill -9: a notification the service acknowledged arrives once the receiver is
 * back, however the service died in between, and every attempt carries the same webhook-id.
 * (Phase A triggers with `POST /webhooks/:id/test`; the rollback trigger comes with the emitters.)
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

  async function trigger(webhookId: string): Promise<string> {
    const res = await call(base(), 'POST', `/api/v1/webhooks/${webhookId}/test`);
    if (res.status !== 202) throw new Error(`test: ${res.status} ${JSON.stringify(res.body)}`);
    return (res.body as { id: string }).id;
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
    const deliveryId = await trigger(hook.id);

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
    expect(new Webhook(hook.secret).verify(last.body, last.headers)).toMatchObject({ type: 'webhook.test' });
  });

  it('should deliver an event acknowledged just before a kill -9, with the receiver down until after the restart', async () => {
    const receiverPort = await freePort();
    const hook = await subscribe(`http://127.0.0.1:${receiverPort}/hook`);
    const deliveryId = await trigger(hook.id);
    // Whether or not the first attempt (connection refused) happened, or was in flight, before the kill.
    await killAndRestart();
    const receiver = await Receiver.start(receiverPort);
    receivers.push(receiver);
    await eventually(async () => (await deliveryRow(deliveryId)).status === 'delivered', 60_000, 'delivered after the restart');
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([deliveryId]);
    const [request] = receiver.received;
    expect(new Webhook(hook.secret).verify(request.body, request.headers)).toMatchObject({ type: 'webhook.test' });
  });
});
