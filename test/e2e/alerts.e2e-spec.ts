import { Client } from 'pg';
import { WriteAndPublish } from '../../src/database/write-and-publish';
import { asAdmin, asClient, startTestAppWithDatabase, TestApp } from '../support/test-app';
import { AlertsService } from '../../src/alerts/alerts.service';

describe(AlertsService.name, () => {
  let t: TestApp & { db: Client };
  let db: Client;
  let alerts: AlertsService;

  beforeAll(async () => {
    t = await startTestAppWithDatabase();
    db = t.db;
    alerts = t.app.get(AlertsService);
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    await db.query('TRUNCATE alerts');
  });

  const count = async (): Promise<number> => Number((await db.query('SELECT count(*) FROM alerts')).rows[0].count);
  const srm = (subjectId = 'exp-1') => ({
    kind: 'srm',
    severity: 'warning' as const,
    subjectType: 'experiment' as const,
    subjectId,
    message: 'Sample ratio mismatch: p = 0.0001',
  });

  describe('raise', () => {
    it('should raise once per kind and subject while unresolved, and again after it was resolved', async () => {
      const first = await alerts.raise(srm());
      expect(first.raised).toBe(true);
      const again = await alerts.raise({ ...srm(), message: 'still mismatched' });
      expect(again).toMatchObject({ raised: false, alert: { id: first.alert.id, message: 'Sample ratio mismatch: p = 0.0001' } });
      expect((await alerts.raise({ ...srm(), kind: 'guardrail_failure' })).raised).toBe(true);
      expect((await alerts.raise(srm('exp-2'))).raised).toBe(true);
      expect(await count()).toBe(3);

      await t.http.post(`/api/v1/alerts/${first.alert.id}/acknowledge`).set(asAdmin).expect(200);
      expect((await alerts.raise(srm())).raised).toBe(false);
      await t.http.post(`/api/v1/alerts/${first.alert.id}/resolve`).set(asAdmin).expect(200);
      const fresh = await alerts.raise(srm());
      expect(fresh.raised).toBe(true);
      expect(fresh.alert.id).not.toBe(first.alert.id);
      expect(await count()).toBe(4);
    });

    it('should raise one alert when many callers race for the same subject', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, () => alerts.raise(srm())));
      expect(results.filter((r) => r.raised)).toHaveLength(1);
      expect(new Set(results.map((r) => r.alert.id)).size).toBe(1);
      expect(await count()).toBe(1);
    });

    it('should belong to the caller transaction: no alert when it rolls back', async () => {
      const writes = t.app.get(WriteAndPublish);
      await expect(
        writes.run(async (write) => {
          await alerts.raise(srm(), write);
          throw new Error('the results computation failed');
        }),
      ).rejects.toThrow('the results computation failed');
      expect(await count()).toBe(0);
      await writes.run((write) => alerts.raise(srm(), write));
      expect(await count()).toBe(1);
    });
  });

  describe('routes', () => {
    it('should list alerts newest first, page them and filter by status', async () => {
      const a = (await alerts.raise(srm('a'))).alert;
      const b = (await alerts.raise(srm('b'))).alert;
      const c = (await alerts.raise(srm('c'))).alert;
      await t.http.post(`/api/v1/alerts/${b.id}/acknowledge`).set(asAdmin).expect(200);
      await t.http.post(`/api/v1/alerts/${c.id}/resolve`).set(asAdmin).expect(200);

      const all = await t.http.get('/api/v1/alerts?limit=2').set(asAdmin).expect(200);
      expect(all.body).toMatchObject({ total: 3, limit: 2, offset: 0 });
      expect(all.body.items.map((x: any) => x.subjectId)).toEqual(['c', 'b']);
      expect(all.body.items[0]).toEqual({
        id: c.id,
        kind: 'srm',
        severity: 'warning',
        subjectType: 'experiment',
        subjectId: 'c',
        message: 'Sample ratio mismatch: p = 0.0001',
        status: 'resolved',
        createdAt: expect.any(String),
        acknowledgedAt: expect.any(String),
        resolvedAt: expect.any(String),
      });
      for (const [status, id] of [
        ['open', a.id],
        ['acknowledged', b.id],
        ['resolved', c.id],
      ]) {
        const page = await t.http.get(`/api/v1/alerts?status=${status}`).set(asAdmin).expect(200);
        expect(page.body.items.map((x: any) => x.id)).toEqual([id]);
      }
      const bad = await t.http.get('/api/v1/alerts?status=closed').set(asAdmin);
      expect(bad.status).toBe(400);
      expect(bad.body.details).toEqual([expect.objectContaining({ field: 'status' })]);
    });

    it('should acknowledge then resolve, treat repeats as no-ops and refuse to acknowledge a resolved alert', async () => {
      const { alert } = await alerts.raise(srm());
      const acked = await t.http.post(`/api/v1/alerts/${alert.id}/acknowledge`).set(asAdmin).expect(200);
      expect(acked.body).toMatchObject({ status: 'acknowledged', resolvedAt: null });
      const again = await t.http.post(`/api/v1/alerts/${alert.id}/acknowledge`).set(asAdmin).expect(200);
      expect(again.body.acknowledgedAt).toBe(acked.body.acknowledgedAt);
      const resolved = await t.http.post(`/api/v1/alerts/${alert.id}/resolve`).set(asAdmin).expect(200);
      expect(resolved.body).toMatchObject({ status: 'resolved', acknowledgedAt: acked.body.acknowledgedAt });
      expect((await t.http.post(`/api/v1/alerts/${alert.id}/resolve`).set(asAdmin).expect(200)).body.resolvedAt).toBe(
        resolved.body.resolvedAt,
      );
      const refused = await t.http.post(`/api/v1/alerts/${alert.id}/acknowledge`).set(asAdmin);
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ statusCode: 409, error: 'Conflict', status: 'resolved' });
    });

    it('should answer 404 for unknown alerts and 403 to a client token', async () => {
      const { alert } = await alerts.raise(srm());
      expect((await t.http.post('/api/v1/alerts/3d1f6c0e-2b4a-4c1e-9f7a-5b6c7d8e9f00/resolve').set(asAdmin)).status).toBe(404);
      expect((await t.http.post('/api/v1/alerts/nope/acknowledge').set(asAdmin)).status).toBe(404);
      expect((await t.http.get('/api/v1/alerts').set(asClient)).status).toBe(403);
      expect((await t.http.post(`/api/v1/alerts/${alert.id}/resolve`).set(asClient)).status).toBe(403);
      expect((await db.query('SELECT status FROM alerts')).rows).toEqual([{ status: 'open' }]);
    });
  });
});
