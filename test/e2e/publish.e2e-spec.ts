import type { AddressInfo } from 'node:net';
import { AlertsService } from '../../src/alerts/alerts.service';
import { WriteAndPublish } from '../../src/database/write-and-publish';
import { ADMIN_TOKEN, asAdmin, startTestApp, TestApp } from '../support/test-app';
import { waitFor } from './rollouts-support';
import { OpenStream, openStream } from './stream-support';

/**
 * The one write-and-publish path: every mutation reaches the SSE streams of every replica. A and B
 * are two replicas on one database; the change is made on A and must reach a stream open on B (only
 * through PostgreSQL NOTIFY) and one open on A (told locally after commit).
 */
describe('Write and publish across replicas', () => {
  let a: TestApp;
  let b: TestApp;
  let onA: OpenStream;
  let onB: OpenStream;

  async function listen(t: TestApp): Promise<OpenStream> {
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    const stream = await openStream(`http://127.0.0.1:${port}`, '/api/v1/stream', { authorization: `Bearer ${ADMIN_TOKEN}` });
    await waitFor('connected', async () => (stream.raw.includes(': connected') ? true : undefined), 2000);
    return stream;
  }

  const seen = (stream: OpenStream, event: string, match: (data: any) => boolean) =>
    waitFor(`${event} on a stream`, async () => stream.events.find((e) => e.event === event && match(e.data)), 3000);

  beforeAll(async () => {
    a = await startTestApp();
    b = await startTestApp({}, { databaseUrl: a.databaseUrl });
    onA = await listen(a);
    onB = await listen(b);
  });
  afterAll(async () => {
    onA?.close();
    onB?.close();
    await b.close({ keepDatabase: true });
    await a.close();
  });

  it('should stream experiment.changed for a created experiment on both replicas', async () => {
    const created = await a.http
      .post('/api/v1/experiments')
      .set(asAdmin)
      .send({
        name: 'published on create',
        variants: [
          { name: 'control', weight: 0.5 },
          { name: 'treatment', weight: 0.5 },
        ],
        metrics: [{ name: 'purchase', type: 'conversion' }],
      })
      .expect(201);
    const id = created.body.id as string;
    await seen(onB, 'experiment.changed', (data) => data.id === id);
    await seen(onA, 'experiment.changed', (data) => data.id === id);
  });

  it('should stream an alert acknowledged or resolved on one replica to both, with its new status', async () => {
    const { alert } = await a.app.get(AlertsService).raise({
      kind: 'srm',
      severity: 'critical',
      subjectType: 'experiment',
      subjectId: '00000000-0000-4000-8000-000000000001',
      message: 'Sample ratio mismatch',
    });
    await seen(onB, 'alert.raised', (data) => data.id === alert.id && data.alert?.status === 'open');

    await a.http.post(`/api/v1/alerts/${alert.id}/acknowledge`).set(asAdmin).expect(200);
    for (const stream of [onB, onA])
      await seen(stream, 'alert.raised', (data) => data.id === alert.id && data.alert?.status === 'acknowledged');

    await a.http.post(`/api/v1/alerts/${alert.id}/resolve`).set(asAdmin).expect(200);
    for (const stream of [onB, onA])
      await seen(stream, 'alert.raised', (data) => data.id === alert.id && data.alert?.status === 'resolved');
  });

  it('should announce nothing for a write that rolls back, and announce a committed one once', async () => {
    const writes = a.app.get(WriteAndPublish);
    const failed = '00000000-0000-4000-8000-00000000f001';
    const committed = '00000000-0000-4000-8000-00000000c001';
    await expect(
      writes.run(async (write) => {
        write.publish({ entity: 'rollout', id: failed });
        throw new Error('the write failed');
      }),
    ).rejects.toThrow('the write failed');
    await writes.run(async (write) => {
      write.publish({ entity: 'rollout', id: committed });
      write.publish({ entity: 'rollout', id: committed });
    });
    // NOTIFY is delivered in commit order: once the committed change is heard, the failed one would have been.
    for (const stream of [onB, onA]) await seen(stream, 'rollout.changed', (data) => data.id === committed);
    for (const stream of [onB, onA]) expect(stream.events.filter((e) => e.data.id === failed)).toEqual([]);
    // Published twice in the write, NOTIFYed once: B (which only hears PostgreSQL) streams it once.
    expect(onB.events.filter((e) => e.data.id === committed)).toHaveLength(1);
  });

  it("should drop the other replica's cached definitions when an experiment changes", async () => {
    const created = await a.http
      .post('/api/v1/experiments')
      .set(asAdmin)
      .send({
        name: 'cached elsewhere',
        variants: [
          { name: 'control', weight: 0.5 },
          { name: 'treatment', weight: 0.5 },
        ],
        metrics: [{ name: 'purchase', type: 'conversion' }],
      })
      .expect(201);
    const key = created.body.key as string;
    const keysOnB = async (): Promise<string[]> =>
      ((await b.http.get('/api/v1/sdk/definitions').set(asAdmin)).body.experiments ?? []).map((e: { key: string }) => e.key);
    expect(await keysOnB()).not.toContain(key);
    await a.http.post(`/api/v1/experiments/${key}/start`).set(asAdmin).expect(200);
    await waitFor('B serves the started experiment', async () => ((await keysOnB()).includes(key) ? true : undefined), 3000);
  });
});
