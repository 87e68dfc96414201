import type { AddressInfo } from 'node:net';
import { AlertsService } from '../../src/alerts/alerts.service';
import { StreamService } from '../../src/stream/stream.service';
import { ADMIN_TOKEN, asAdmin, asClient, CLIENT_TOKEN, startTestApp, TestApp } from '../support/test-app';
import { createRollout, sleep, waitFor } from './rollouts-support';
import { openStream } from './stream-support';

describe(StreamService.name, () => {
  let t: TestApp;
  let base: string;

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await t.close();
  });

  const ticket = async (app: TestApp = t): Promise<string> => {
    const res = await app.http.post('/api/v1/stream/ticket').set(asAdmin).expect(201);
    expect(res.body).toEqual({ ticket: expect.stringMatching(/^\d+\.[A-Za-z0-9_-]{43}$/), expiresAt: expect.any(String) });
    return res.body.ticket;
  };

  it('should stream rollout.changed, experiment.changed and alert.raised, with a ticket in the query', async () => {
    const stream = await openStream(base, `/api/v1/stream?ticket=${await ticket()}`);
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(stream.headers['cache-control']).toBe('no-cache, no-transform');
      await waitFor('connected comment', async () => (stream.raw.includes(': connected') ? true : undefined), 2000);

      const rollout = await createRollout(t);
      await t.http.post(`/api/v1/rollouts/${rollout.id}/start`).set(asAdmin).expect(200);
      const rolloutEvent = await waitFor('rollout.changed', async () => stream.events.find((e) => e.event === 'rollout.changed'), 3000);
      expect(rolloutEvent.data).toEqual({ id: rollout.id, at: expect.any(String) });

      const experiment = await t.http
        .post('/api/v1/experiments')
        .set(asAdmin)
        .send({
          name: 'Stream test',
          variants: [
            { name: 'control', weight: 0.5 },
            { name: 'treatment', weight: 0.5 },
          ],
          metrics: [{ name: 'purchase', type: 'conversion' }],
        })
        .expect(201);
      await t.http.post(`/api/v1/experiments/${experiment.body.id}/start`).set(asAdmin).expect(200);
      const experimentEvent = await waitFor(
        'experiment.changed',
        async () => stream.events.find((e) => e.event === 'experiment.changed'),
        3000,
      );
      expect(experimentEvent.data.id).toBe(experiment.body.id);

      const { alert } = await t.app.get(AlertsService).raise({
        kind: 'srm',
        severity: 'warning',
        subjectType: 'experiment',
        subjectId: experiment.body.id,
        message: 'Sample ratio mismatch',
      });
      const alertEvent = await waitFor('alert.raised', async () => stream.events.find((e) => e.event === 'alert.raised'), 3000);
      expect(alertEvent.data).toMatchObject({
        id: alert.id,
        alert: { id: alert.id, kind: 'srm', status: 'open', message: 'Sample ratio mismatch' },
      });

      // One write is heard twice by this replica (locally and through PostgreSQL) but streamed once.
      await sleep(400);
      expect(stream.events.filter((e) => e.event === 'rollout.changed' && e.data.id === rollout.id)).toHaveLength(1);
    } finally {
      stream.close();
    }
  });

  it('should accept the bearer header or a ticket, refuse a client token (403), none or a token in the URL (401), and take ?ticket= on no other route', async () => {
    const withHeader = await openStream(base, '/api/v1/stream', { Authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(withHeader.status).toBe(200);
    withHeader.close();
    const client = await openStream(base, '/api/v1/stream', { Authorization: `Bearer ${CLIENT_TOKEN}` });
    expect(client.status).toBe(403);
    client.close();
    expect((await t.http.post('/api/v1/stream/ticket').set(asClient)).status).toBe(403);
    expect((await t.http.post('/api/v1/stream/ticket')).status).toBe(401);
    const none = await openStream(base, '/api/v1/stream');
    expect(none.status).toBe(401);
    none.close();
    const wrong = await openStream(base, '/api/v1/stream?ticket=123.not-a-ticket');
    expect(wrong.status).toBe(401);
    wrong.close();
    // The admin token itself is no longer accepted in the URL (issue 13), on the stream or elsewhere.
    const inUrl = await openStream(base, `/api/v1/stream?token=${ADMIN_TOKEN}`);
    expect(inUrl.status).toBe(401);
    inUrl.close();
    expect((await t.http.get(`/api/v1/rollouts?ticket=${await ticket()}`)).status).toBe(401);
  });

  it('should forget streams the client closed', async () => {
    const service = t.app.get(StreamService);
    const before = service.openStreams;
    const stream = await openStream(base, `/api/v1/stream?ticket=${await ticket()}`);
    await waitFor('registered', async () => (service.openStreams === before + 1 ? true : undefined), 2000);
    stream.close();
    await waitFor('forgotten', async () => (service.openStreams === before ? true : undefined), 2000);
  });

  it('should not keep app.close() waiting for open streams', async () => {
    const other = await startTestApp();
    await other.app.listen(0, '127.0.0.1');
    const { port } = other.app.getHttpServer().address() as AddressInfo;
    const streams = await Promise.all(
      [1, 2, 3].map(async () => openStream(`http://127.0.0.1:${port}`, `/api/v1/stream?ticket=${await ticket(other)}`)),
    );
    expect(streams.map((s) => s.status)).toEqual([200, 200, 200]);
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(3000);
    await waitFor('streams ended', async () => (streams.every((s) => s.ended) ? true : undefined), 2000);
  });
});
