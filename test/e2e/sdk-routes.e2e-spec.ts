import * as http from 'node:http';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { SdkController } from '../../src/sdk/sdk.controller';
import { createApiClient } from '../../sdk/src/api-client';
import { ADMIN_TOKEN, asAdmin, asClient, CLIENT_TOKEN, startTestAppWithDatabase, TestApp } from '../support/test-app';
import { createRollout, startRollout, waitFor } from './rollouts-support';
import { createExperiment, currentEtag, listen } from './sdk-support';

describe(SdkController.name, () => {
  let t: TestApp & { db: Client };
  let base: string;

  beforeAll(async () => {
    t = await startTestAppWithDatabase();
    base = await listen(t);
  });
  afterAll(async () => {
    await t.close();
  });

  const definitions = () => t.http.get('/api/v1/sdk/definitions').set(asClient);
  const exposures = (body: unknown) =>
    t.http
      .post('/api/v1/sdk/exposures')
      .set(asClient)
      .send(body as object);
  const rows = async (key: string) =>
    (
      await t.db.query(
        `SELECT a.user_id, a.variant, a.exposures::int FROM assignments a JOIN experiments e ON e.id = a.experiment_id WHERE e.key = $1 ORDER BY a.user_id`,
        [key],
      )
    ).rows;

  describe('GET /sdk/definitions', () => {
    it('should serve running, paused and completed experiments and serving rollouts, without drafts or admin-only fields', async () => {
      await createExperiment(t, { key: 'def-running', hashSeed: 's1', weights: [0.5, 0.5], trafficAllocation: 0.8 });
      await createExperiment(t, { key: 'def-draft', hashSeed: 's2', weights: [0.5, 0.5], trafficAllocation: 1 }, false);
      const rollout = await createRollout(t, { name: 'def-rollout', modelVersion: 'def-v2', baselineVersion: 'def-v1' });
      await startRollout(t, rollout.id);
      await createRollout(t, { name: 'def-draft-rollout', modelVersion: 'def-v3' });

      const res = await definitions().expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers.etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
      expect(res.body.experiments.map((e: any) => e.key)).toEqual(['def-running']);
      expect(Object.keys(res.body.experiments[0]).sort()).toEqual(
        [
          'allocationHighWater',
          'controlVariant',
          'hashSeed',
          'id',
          'key',
          'status',
          'trafficAllocation',
          'updatedAt',
          'variants',
          'winner',
        ].sort(),
      );
      expect(res.body.experiments[0]).toMatchObject({
        status: 'running',
        hashSeed: 's1',
        trafficAllocation: 0.8,
        allocationHighWater: 0.8,
        winner: null,
      });
      expect(res.body.rollouts).toEqual([
        { id: rollout.id, modelVersion: 'def-v2', baselineVersion: 'def-v1', status: 'running', percentage: 5, seed: rollout.id },
      ]);
    });

    it('should answer 304 to a matching If-None-Match and change the tag with any change', async () => {
      const first = await definitions().expect(200);
      const etag = first.headers.etag;
      const again = await definitions().set('If-None-Match', etag).expect(304);
      expect(again.headers.etag).toBe(etag);
      expect(again.text).toBe('');
      await definitions().set('If-None-Match', `"other", W/${etag}`).expect(304);
      await definitions().set('If-None-Match', '"other"').expect(200);

      await t.http.patch('/api/v1/experiments/def-running').set(asAdmin).send({ trafficAllocation: 0.3 }).expect(200);
      const changed = await definitions().set('If-None-Match', etag).expect(200);
      expect(changed.headers.etag).not.toBe(etag);
      // Lowered: the high-water mark remembers who may still hold an assignment.
      expect(changed.body.experiments[0]).toMatchObject({ trafficAllocation: 0.3, allocationHighWater: 0.8 });
      await t.http.post('/api/v1/experiments/def-running/pause').set(asAdmin).expect(200);
      const paused = await definitions().expect(200);
      expect(paused.body.experiments[0]).toMatchObject({ status: 'paused', allocationHighWater: 0.8 });
      await t.http.patch('/api/v1/experiments/def-running').set(asAdmin).send({ trafficAllocation: 0.9 }).expect(200);
      // Raised while paused: nobody ran with 0.9 yet.
      expect((await definitions().expect(200)).body.experiments[0]).toMatchObject({ trafficAllocation: 0.9, allocationHighWater: 0.8 });
      await t.http.post('/api/v1/experiments/def-running/resume').set(asAdmin).expect(200);
      expect((await definitions().expect(200)).body.experiments[0]).toMatchObject({ status: 'running', allocationHighWater: 0.9 });
    });

    it('should be reachable through the typed client', async () => {
      const api = createApiClient({ baseUrl: base, token: CLIENT_TOKEN });
      const { data, response } = await api.GET('/api/v1/sdk/definitions');
      expect(response.status).toBe(200);
      expect(data!.experiments.map((e) => e.key)).toContain('def-running');
      const admin = createApiClient({ baseUrl: `${base}/`, token: ADMIN_TOKEN });
      const experiment = await admin.GET('/api/v1/experiments/{idOrKey}', { params: { path: { idOrKey: 'def-running' } } });
      expect(experiment.response.status).toBe(200);
      const refused = await api.GET('/api/v1/experiments/{idOrKey}', { params: { path: { idOrKey: 'def-running' } } });
      expect(refused.response.status).toBe(403);
      expect(refused.error).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    });

    it('should need a token and accept the client scope', async () => {
      await t.http.get('/api/v1/sdk/definitions').expect(401);
      await t.http.get('/api/v1/sdk/definitions').set(asAdmin).expect(200);
    });
  });

  describe('GET /sdk/stream', () => {
    it('should send the current ETag on connect and the new one after a change', async () => {
      const received: string[] = [];
      const request = http.get(`${base}/api/v1/sdk/stream`, { headers: asClient }, (res) => {
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          for (const match of chunk.matchAll(/event: definitions\ndata: (.+)\n/g)) received.push(JSON.parse(match[1]).etag);
        });
      });
      try {
        const etag = await currentEtag(t);
        await waitFor('first event', async () => (received.includes(etag) ? true : undefined), 5000, 20);
        await t.http.patch('/api/v1/experiments/def-running').set(asAdmin).send({ trafficAllocation: 0.4 }).expect(200);
        const next = await currentEtag(t);
        expect(next).not.toBe(etag);
        await waitFor('event after the change', async () => (received.includes(next) ? true : undefined), 5000, 20);
      } finally {
        request.destroy();
      }
    });

    it('should refuse a request without a token', async () => {
      await t.http.get('/api/v1/sdk/stream').expect(401);
    });
  });

  describe('POST /sdk/exposures', () => {
    beforeAll(async () => {
      // Contract vectors, seed "seed", weights [0.5, 0.5], allocation 0.2: "a" → control, "b" and "user-1" outside.
      await createExperiment(t, { key: 'exp-seed', hashSeed: 'seed', weights: [0.5, 0.5], trafficAllocation: 0.2 });
    });

    it('should enrol like the assign route, count every answer, and correct what differs', async () => {
      const res = await exposures({
        exposures: [
          { experiment: 'exp-seed', userId: 'a', variant: 'control', count: 3 },
          { experiment: 'exp-seed', userId: 'b', variant: 'control' },
          { experiment: 'exp-seed', userId: 'a', variant: 'v1' },
        ],
      }).expect(200);
      expect(res.body).toEqual({
        accepted: 2,
        duplicate: false,
        rejected: [],
        corrections: [
          { index: 1, experiment: 'exp-seed', userId: 'b', variant: null },
          { index: 2, experiment: 'exp-seed', userId: 'a', variant: 'control' },
        ],
      });
      // Sticky exposures are buffered for up to a second; /metrics writes them first.
      const metrics = await t.http.get('/api/v1/experiments/exp-seed/metrics').set(asAdmin).expect(200);
      expect(metrics.body.variants.map((v: any) => [v.name, v.users, v.exposures])).toEqual([
        ['control', 1, 4],
        ['v1', 0, 0],
      ]);
      expect(await rows('exp-seed')).toEqual([{ user_id: 'a', variant: 'control', exposures: 4 }]);
      // The assign route sees the same row.
      const assign = await t.http.post('/api/v1/experiments/exp-seed/assign').set(asClient).send({ userId: 'a' }).expect(200);
      expect(assign.body).toMatchObject({ inExperiment: true, reason: 'sticky', variant: { name: 'control' } });
    });

    it('should apply a retried batch once', async () => {
      const batchId = randomUUID();
      const body = { batchId, exposures: [{ experiment: 'exp-seed', userId: 'a', variant: 'control', count: 10 }] };
      const first = await exposures(body).expect(200);
      const second = await exposures(body).expect(200);
      expect(first.body).toMatchObject({ accepted: 1, duplicate: false });
      expect(second.body).toEqual({ ...first.body, duplicate: true });
      await t.http.get('/api/v1/experiments/exp-seed/metrics').set(asAdmin).expect(200);
      expect(await rows('exp-seed')).toEqual([{ user_id: 'a', variant: 'control', exposures: 15 }]);

      // Nothing accepted, nothing written: not even the batch id.
      const none = { batchId: randomUUID(), exposures: [{ experiment: 'exp-seed', userId: 'b', variant: 'control' }] };
      expect((await exposures(none).expect(200)).body).toMatchObject({ accepted: 0, duplicate: false });
      const claims = await t.db.query('SELECT count(*)::int AS n FROM sdk_exposure_batches WHERE batch_id = $1', [none.batchId]);
      expect(claims.rows[0].n).toBe(0);
    });

    it('should enrol nobody in a paused or completed experiment', async () => {
      await createExperiment(t, { key: 'exp-paused', hashSeed: 'seed', weights: [0.5, 0.5], trafficAllocation: 1 });
      await exposures({ exposures: [{ experiment: 'exp-paused', userId: 'a', variant: 'control' }] }).expect(200);
      await t.http.post('/api/v1/experiments/exp-paused/pause').set(asAdmin).expect(200);
      const res = await exposures({
        exposures: [
          { experiment: 'exp-paused', userId: 'a', variant: 'control' },
          { experiment: 'exp-paused', userId: 'b', variant: 'v1' },
        ],
      }).expect(200);
      expect(res.body).toMatchObject({ accepted: 1, corrections: [{ index: 1, userId: 'b', variant: null }] });
      await t.http.post('/api/v1/experiments/exp-paused/complete').set(asAdmin).send({ winner: 'v1' }).expect(200);
      const completed = await exposures({ exposures: [{ experiment: 'exp-paused', userId: 'a', variant: 'control' }] }).expect(200);
      expect(completed.body).toMatchObject({ accepted: 0, corrections: [{ index: 0, userId: 'a', variant: null }] });
      await t.http.get('/api/v1/experiments/exp-paused/metrics').set(asAdmin).expect(200);
      expect(await rows('exp-paused')).toEqual([{ user_id: 'a', variant: 'control', exposures: 2 }]);
    });

    it('should reject bad items by index and store the good ones', async () => {
      const res = await exposures({
        exposures: [
          { experiment: 'exp-seed', userId: 'a', variant: 'control' },
          { experiment: 'nope', userId: 'a', variant: 'control' },
          { experiment: 'exp-seed', userId: '', variant: 'control' },
          { experiment: 'exp-seed', userId: 'a', variant: 'purple' },
          { experiment: 'exp-seed', userId: 'a', variant: 'control', count: 0 },
          { experiment: 'exp-seed', userId: 'a', variant: 'control', extra: true },
          'not an object',
          { experiment: 'exp-seed', userId: 'a\u0000', variant: 'control' },
          { experiment: 'exp-seed', userId: 'a', variant: 'control', at: '2999-01-01T00:00:00Z' },
        ],
      }).expect(200);
      expect(res.body.accepted).toBe(1);
      expect(res.body.rejected.map((r: any) => r.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(res.body.rejected[0].error).toBe('Experiment nope not found');
      expect(res.body.rejected.find((r: any) => r.index === 3).error).toMatch(/purple/);
    });

    it('should refuse a malformed envelope with the contract error body', async () => {
      for (const body of [[], { exposures: 'x' }, { exposures: [], extra: 1 }, { batchId: 'nope', exposures: [] }]) {
        const res = await exposures(body).expect(400);
        expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
        expect(typeof res.body.message).toBe('string');
      }
      const tooMany = Array.from({ length: 10_001 }, (_, i) => ({ experiment: 'exp-seed', userId: `u${i}`, variant: 'control' }));
      const res = await exposures({ exposures: tooMany }).expect(413);
      expect(res.body).toMatchObject({ statusCode: 413, details: [{ field: 'exposures' }] });
    });

    it('should take a full batch of 10,000 (more than 1 MiB of JSON)', async () => {
      const userId = 'x'.repeat(120);
      const batch = Array.from({ length: 10_000 }, (_, i) => ({ experiment: 'exp-seed', userId: `${userId}${i}`, variant: 'control' }));
      expect(JSON.stringify({ exposures: batch }).length).toBeGreaterThan(1024 * 1024);
      const res = await exposures({ exposures: batch }).expect(200);
      expect(res.body.rejected).toEqual([]);
    });

    it('should refuse a client without a token', async () => {
      await t.http.post('/api/v1/sdk/exposures').send({ exposures: [] }).expect(401);
    });
  });

  describe('POST /sdk/assignments/lookup', () => {
    it('should return the variants of enrolled users only, counting no exposure', async () => {
      const res = await t.http
        .post('/api/v1/sdk/assignments/lookup')
        .set(asClient)
        .send({ experiment: 'exp-seed', userIds: ['a', 'b', 'nobody'] })
        .expect(200);
      expect(res.body.assignments).toEqual({ a: 'control' });
      await t.http.get('/api/v1/experiments/exp-seed/metrics').set(asAdmin).expect(200);
      expect((await rows('exp-seed')).find((r) => r.user_id === 'a')).toEqual({ user_id: 'a', variant: 'control', exposures: 16 });
    });

    it('should answer 404, 400 and 413 for an unknown experiment, bad ids and too many', async () => {
      const lookup = (body: object) => t.http.post('/api/v1/sdk/assignments/lookup').set(asClient).send(body);
      expect((await lookup({ experiment: 'nope', userIds: ['a'] }).expect(404)).body.message).toBe('Experiment nope not found');
      await lookup({ experiment: 'exp-seed', userIds: [''] }).expect(400);
      await lookup({ experiment: 'exp-seed', userIds: 'a' }).expect(400);
      await lookup({ experiment: 'exp-seed', userIds: Array.from({ length: 10_001 }, (_, i) => `u${i}`) }).expect(413);
    });
  });
});
