import { DataSource } from 'typeorm';
import { Webhook } from 'standardwebhooks';
import { rolloutEvent } from '../../src/webhooks/webhook-events';
import { WebhookOutbox } from '../../src/webhooks/webhook-outbox.service';
import { WebhookSender } from '../../src/webhooks/webhook-sender.service';
import { WebhookTargetGuard, type Lookup } from '../../src/webhooks/webhook-target';
import { asAdmin, asClient, startTestApp, TestApp } from '../support/test-app';
import { Receiver } from './webhooks-support';

const PUBLIC_ADDRESS = '93.184.215.14';
const SECRET = 'whsec_MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=';

/** A DNS server for names under example.com the tests control; everything else goes to the real resolver. */
function fakeDns(guard: WebhookTargetGuard): Map<string, string> {
  const answers = new Map<string, string>();
  const real: Lookup = guard.lookup;
  guard.lookup = async (host) => {
    const address = answers.get(host);
    if (address !== undefined) return [{ address, family: address.includes(':') ? 6 : 4 }];
    return real(host);
  };
  return answers;
}

describe('Webhooks API (no private targets)', () => {
  let t: TestApp;
  let dns: Map<string, string>;

  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_TICK_SECONDS: '3600' });
    dns = fakeDns(t.app.get(WebhookTargetGuard));
    dns.set('hooks.example.com', PUBLIC_ADDRESS);
  });
  afterAll(async () => {
    await t.close();
  });

  const create = (body: Record<string, unknown>) => t.http.post('/api/v1/webhooks').set(asAdmin).send(body);

  describe('create', () => {
    it('should answer 201 with the secret, once', async () => {
      const res = await create({
        url: 'https://hooks.example.com/exp?token=abc',
        events: ['rollout.rolled_back', 'alert.raised'],
        description: 'ops channel',
      }).expect(201);
      expect(Object.keys(res.body).slice(0, 7)).toEqual(['id', 'url', 'events', 'format', 'description', 'secret', 'active']);
      expect(res.body).toMatchObject({
        url: 'https://hooks.example.com/exp?token=abc',
        events: ['rollout.rolled_back', 'alert.raised'],
        format: 'standard',
        description: 'ops channel',
        active: true,
        previousSecretExpiresAt: null,
      });
      expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(Buffer.from(res.body.secret.slice(6), 'base64').length).toBeGreaterThanOrEqual(24);
      expect(new Date(res.body.createdAt).toISOString()).toBe(res.body.createdAt);

      const one = await t.http.get(`/api/v1/webhooks/${res.body.id}`).set(asAdmin).expect(200);
      expect(one.body).not.toHaveProperty('secret');
      expect(JSON.stringify(one.body)).not.toContain(res.body.secret.slice(6));
      const list = await t.http.get('/api/v1/webhooks?limit=1').set(asAdmin).expect(200);
      expect(list.body).toMatchObject({ limit: 1, offset: 0 });
      expect(list.body.total).toBeGreaterThanOrEqual(1);
      expect(list.body.items).toHaveLength(1);
      expect(JSON.stringify(list.body)).not.toContain('whsec_');
    });

    it('should store "*" alone when it is among the events, and a slack format', async () => {
      const res = await create({ url: 'https://hooks.example.com/all', events: ['alert.raised', '*'], format: 'slack' }).expect(201);
      expect(res.body).toMatchObject({ events: ['*'], format: 'slack', description: null });
    });

    it.each([
      ['no url', { events: ['*'] }, 'url'],
      ['an ftp url', { url: 'ftp://hooks.example.com/x', events: ['*'] }, 'url'],
      ['a url that does not parse', { url: 'not a url', events: ['*'] }, 'url'],
      ['a url over 2048 characters', { url: 'https://hooks.example.com/' + 'x'.repeat(2100), events: ['*'] }, 'url'],
      ['no events', { url: 'https://hooks.example.com/x', events: [] }, 'events'],
      ['events missing', { url: 'https://hooks.example.com/x' }, 'events'],
      ['an unknown event', { url: 'https://hooks.example.com/x', events: ['rollout.exploded'] }, 'events'],
      ['an event twice', { url: 'https://hooks.example.com/x', events: ['alert.raised', 'alert.raised'] }, 'events'],
      ['events as a string', { url: 'https://hooks.example.com/x', events: 'alert.raised' }, 'events'],
      ['an unknown format', { url: 'https://hooks.example.com/x', events: ['*'], format: 'teams' }, 'format'],
      [
        'a description over 500 characters',
        { url: 'https://hooks.example.com/x', events: ['*'], description: 'd'.repeat(501) },
        'description',
      ],
      ['a secret chosen by the caller', { url: 'https://hooks.example.com/x', events: ['*'], secret: 'whsec_mine' }, 'secret'],
    ])('should refuse %s with a 400 naming the field', async (_label, body, field) => {
      const res = await create(body).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
    });

    it.each([
      ['http://localhost:5432/', 'host localhost resolves to', 'loopback'],
      ['http://127.0.0.1:5432/', '127.0.0.1 is a loopback address', 'WEBHOOK_ALLOW_PRIVATE=true'],
      ['http://2130706433/', '127.0.0.1 is a loopback address', 'loopback'],
      ['http://[::1]:8080/', '::1 is a loopback address', 'loopback'],
      ['http://10.0.0.8/hook', 'private (RFC 1918)', 'private'],
      ['http://192.168.1.20/hook', 'private (RFC 1918)', 'private'],
      ['http://100.64.1.1/hook', 'carrier-grade NAT', 'WEBHOOK_ALLOW_PRIVATE'],
      ['http://[fd12::1]/hook', 'unique-local', 'WEBHOOK_ALLOW_PRIVATE'],
      ['http://169.254.169.254/latest/meta-data', '169.254.169.254 is a link-local address', 'metadata'],
      ['http://[::ffff:169.254.169.254]/', 'link-local', 'metadata'],
      ['http://[fe80::1]/', 'link-local', 'link-local'],
      ['http://0.0.0.0:3000/', 'unspecified', 'unspecified'],
      ['http://224.0.0.1/', 'multicast', 'multicast'],
      ['http://does-not-exist.invalid/', 'does not resolve', 'does-not-exist.invalid'],
    ])('should refuse %s (SSRF) with a 400', async (url, text, alsoText) => {
      const res = await create({ url, events: ['*'] }).expect(400);
      expect(res.body.details).toEqual([{ field: 'url', problem: expect.stringContaining(text) }]);
      expect(res.body.message).toContain(alsoText);
    });

    it('should refuse a host whose DNS answer is the metadata address', async () => {
      dns.set('metadata.example.com', '169.254.169.254');
      const res = await create({ url: 'http://metadata.example.com/latest', events: ['*'] }).expect(400);
      expect(res.body.message).toBe(
        'url host metadata.example.com resolves to 169.254.169.254 is a link-local address (cloud metadata lives there), which webhooks may not target',
      );
    });
  });

  describe('read, update, delete', () => {
    let id: string;
    beforeAll(async () => {
      id = (await create({ url: 'https://hooks.example.com/rud', events: ['rollout.started'] }).expect(201)).body.id;
    });

    it('should answer 404 for an unknown or malformed id', async () => {
      const res = await t.http.get('/api/v1/webhooks/6f1c2a7e-0000-4000-8000-000000000000').set(asAdmin).expect(404);
      expect(res.body).toEqual({
        statusCode: 404,
        error: 'Not Found',
        code: 'WEBHOOK_NOT_FOUND',
        message: 'Webhook 6f1c2a7e-0000-4000-8000-000000000000 not found',
      });
      await t.http.get('/api/v1/webhooks/nope').set(asAdmin).expect(404);
      await t.http.patch('/api/v1/webhooks/nope').set(asAdmin).send({ active: false }).expect(404);
      await t.http.post('/api/v1/webhooks/nope/rotate-secret').set(asAdmin).expect(404);
      await t.http.post('/api/v1/webhooks/nope/test').set(asAdmin).expect(404);
      await t.http.get('/api/v1/webhooks/nope/deliveries').set(asAdmin).expect(404);
    });

    it('should change what PATCH names and check a new url as on create', async () => {
      const res = await t.http
        .patch(`/api/v1/webhooks/${id}`)
        .set(asAdmin)
        .send({ events: ['rollout.rolled_back'], description: 'changed', format: 'slack', active: false })
        .expect(200);
      expect(res.body).toMatchObject({
        id,
        url: 'https://hooks.example.com/rud',
        events: ['rollout.rolled_back'],
        description: 'changed',
        format: 'slack',
        active: false,
      });
      expect(res.body).not.toHaveProperty('secret');

      const refused = await t.http.patch(`/api/v1/webhooks/${id}`).set(asAdmin).send({ url: 'http://169.254.169.254/' }).expect(400);
      expect(refused.body.details[0].field).toBe('url');
      await t.http
        .patch(`/api/v1/webhooks/${id}`)
        .set(asAdmin)
        .send({ events: ['nope'] })
        .expect(400);
      await t.http.patch(`/api/v1/webhooks/${id}`).set(asAdmin).send({ secret: 'x' }).expect(400);
      const after = await t.http.patch(`/api/v1/webhooks/${id}`).set(asAdmin).send({ description: null }).expect(200);
      expect(after.body).toMatchObject({ url: 'https://hooks.example.com/rud', description: null, format: 'slack' });
    });

    it('should rotate the secret: a new one, shown once, the old one signing for 24 h more', async () => {
      const created = (await create({ url: 'https://hooks.example.com/rotate', events: ['*'] }).expect(201)).body;
      const rotated = await t.http.post(`/api/v1/webhooks/${created.id}/rotate-secret`).set(asAdmin).expect(200);
      expect(rotated.body.secret).toMatch(/^whsec_/);
      expect(rotated.body.secret).not.toBe(created.secret);
      const overlap = new Date(rotated.body.previousSecretExpiresAt).getTime() - new Date(rotated.body.updatedAt).getTime();
      expect(overlap).toBe(24 * 3600_000);
      const read = await t.http.get(`/api/v1/webhooks/${created.id}`).set(asAdmin).expect(200);
      expect(read.body).not.toHaveProperty('secret');
      expect(read.body.previousSecretExpiresAt).toBe(rotated.body.previousSecretExpiresAt);
    });

    it('should validate the deliveries query and answer 404 for an unknown delivery', async () => {
      await t.http.get(`/api/v1/webhooks/${id}/deliveries?status=lost`).set(asAdmin).expect(400);
      await t.http.get(`/api/v1/webhooks/${id}/deliveries?limit=0`).set(asAdmin).expect(400);
      const empty = await t.http.get(`/api/v1/webhooks/${id}/deliveries?status=failed`).set(asAdmin).expect(200);
      expect(empty.body).toEqual({ items: [], total: 0, limit: 50, offset: 0 });
      await t.http.post(`/api/v1/webhooks/${id}/deliveries/6f1c2a7e-0000-4000-8000-000000000000/redeliver`).set(asAdmin).expect(404);
      await t.http.post(`/api/v1/webhooks/${id}/deliveries/x/redeliver`).set(asAdmin).expect(404);
    });

    it('should delete with 204, the deliveries with it', async () => {
      const other = (await create({ url: 'https://hooks.example.com/gone', events: ['*'] }).expect(201)).body;
      const delivery = (await t.http.post(`/api/v1/webhooks/${other.id}/test`).set(asAdmin).expect(202)).body;
      expect(delivery).toMatchObject({ event: 'webhook.test', status: 'pending', attempts: 0 });
      await t.http.delete(`/api/v1/webhooks/${other.id}`).set(asAdmin).expect(204);
      await t.http.get(`/api/v1/webhooks/${other.id}`).set(asAdmin).expect(404);
      await t.http.delete(`/api/v1/webhooks/${other.id}`).set(asAdmin).expect(404);
      const rows = await t.app.get(DataSource).query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE id = $1`, [delivery.id]);
      expect(rows[0].n).toBe(0);
    });

    it('should be for admins only', async () => {
      await t.http.get('/api/v1/webhooks').expect(401);
      await t.http.get('/api/v1/webhooks').set(asClient).expect(403);
      await t.http
        .post('/api/v1/webhooks')
        .set(asClient)
        .send({ url: 'https://hooks.example.com/x', events: ['*'] })
        .expect(403);
    });
  });

  describe('at send time', () => {
    let receiver: Receiver;
    beforeAll(async () => {
      receiver = await Receiver.start();
    });
    afterAll(async () => {
      await receiver.close();
    });

    it('should refuse a host that resolved to a public address at create and to loopback now (DNS rebinding)', async () => {
      dns.set('rebind.example.com', PUBLIC_ADDRESS);
      const hook = (await create({ url: `http://rebind.example.com:${receiver.port}/hook`, events: ['*'] }).expect(201)).body;
      dns.set('rebind.example.com', '127.0.0.1');
      const delivery = (await t.http.post(`/api/v1/webhooks/${hook.id}/test`).set(asAdmin).expect(202)).body;
      const summary = await t.app.get(WebhookSender).tick();
      expect(summary).toMatchObject({ attempted: 1, retrying: 1, delivered: 0 });
      expect(receiver.received).toEqual([]);
      const [row] = (await t.http.get(`/api/v1/webhooks/${hook.id}/deliveries`).set(asAdmin).expect(200)).body.items;
      expect(row).toMatchObject({ id: delivery.id, status: 'pending', attempts: 1, lastStatusCode: null });
      expect(row.lastError).toBe(
        'target refused: host rebind.example.com resolves to 127.0.0.1 is a loopback address, which webhooks may not target (set WEBHOOK_ALLOW_PRIVATE=true to allow loopback and private targets)',
      );
    });
  });
});

describe('Webhooks API (WEBHOOK_ALLOW_PRIVATE=true, no WEBHOOK_SECRET)', () => {
  let t: TestApp;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await Receiver.start();
    t = await startTestApp({ WEBHOOK_TICK_SECONDS: '3600', WEBHOOK_ALLOW_PRIVATE: 'true' });
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('should accept loopback and private targets', async () => {
    for (const url of [receiver.url(), `http://localhost:${receiver.port}/x`, 'http://10.1.2.3/hook', 'http://[::1]:9/x']) {
      await t.http
        .post('/api/v1/webhooks')
        .set(asAdmin)
        .send({ url, events: ['*'] })
        .expect(201);
    }
  });

  it.each([
    'http://169.254.169.254/latest/meta-data',
    'http://[::ffff:a9fe:a9fe]/',
    'http://[fd00:ec2::254]/',
    'http://100.100.100.200/',
    'http://[fe80::1]/',
  ])('should still refuse %s', async (url) => {
    const res = await t.http
      .post('/api/v1/webhooks')
      .set(asAdmin)
      .send({ url, events: ['*'] })
      .expect(400);
    expect(res.body.details[0]).toEqual({ field: 'url', problem: expect.stringMatching(/link-local|metadata/) });
    expect(res.body.message).not.toContain('WEBHOOK_ALLOW_PRIVATE');
  });

  it('should refuse, at send time, a stored target that is link-local', async () => {
    // As if the row predated the rules: the sender checks every attempt on its own.
    const dataSource = t.app.get(DataSource);
    const [{ id }] = await dataSource.query(
      `INSERT INTO webhook_subscriptions (url, events, secret, created_at, updated_at)
       VALUES ('http://169.254.169.254/latest/meta-data', '{*}', $1, now(), now()) RETURNING id`,
      [SECRET],
    );
    await t.http.post(`/api/v1/webhooks/${id}/test`).set(asAdmin).expect(202);
    await t.app.get(WebhookSender).tick();
    const [row] = (await t.http.get(`/api/v1/webhooks/${id}/deliveries`).set(asAdmin).expect(200)).body.items;
    expect(row).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: null });
    expect(row.lastError).toBe(
      'target refused: 169.254.169.254 is a link-local address (cloud metadata lives there), which webhooks may not target',
    );
  });

  it('should send legacy rollout notifications unsigned when WEBHOOK_SECRET is not set', async () => {
    receiver.reset();
    const rollout = { id: 'r-1', name: 'legacy', modelVersion: 'v2', status: 'rolled_back', percentage: 0, currentStage: 0 };
    await t.app
      .get(DataSource)
      .transaction((manager) =>
        t.app
          .get(WebhookOutbox)
          .enqueueLegacyRollout(manager, receiver.url('/legacy'), rolloutEvent('rollout.rolled_back', rollout, { reason: 'manual' })),
      );
    await t.app.get(WebhookSender).tick();
    expect(receiver.at('/legacy')).toHaveLength(1);
    const [request] = receiver.at('/legacy');
    expect(request.headers['webhook-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(request.headers['webhook-timestamp']).toMatch(/^\d+$/);
    expect(request.headers).not.toHaveProperty('webhook-signature');
    expect(JSON.parse(request.body)).toMatchObject({ type: 'rollout.rolled_back', data: { rollout, reason: 'manual' } });
    expect(() => new Webhook(SECRET).verify(request.body, request.headers)).toThrow();
  });
});
