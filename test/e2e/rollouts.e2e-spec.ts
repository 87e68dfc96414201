import { Client } from 'pg';
import { inPercentage } from '../../src/bucketing/assign-variant';
import { CHANGE_CHANNEL, ChangeFeedService } from '../../src/database/change-feed.service';
import { RolloutCatalogService } from '../../src/rollouts/rollout-catalog.service';
import { MAX_LATENCY_MS, MAX_REPORT_COUNT } from '../../src/rollouts/rollout-health-rules';
import { asAdmin, asClient } from '../support/test-app';
import {
  ClockedApp,
  countRows,
  createRollout,
  getRollout,
  HEALTHY_REPORT,
  history,
  HOUR_MS,
  rolloutBody,
  stages,
  startClockedApp,
  startRollout,
} from './rollouts-support';

describe('Rollouts API', () => {
  let t: ClockedApp;
  let db: Client;

  beforeAll(async () => {
    t = await startClockedApp();
    db = t.db;
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    await db.query('TRUNCATE rollouts CASCADE');
    await db.query('TRUNCATE alerts');
  });

  const count = (table: string) => countRows(db, `SELECT count(*) FROM ${table}`);
  const create = (body: object) => t.http.post('/api/v1/rollouts').set(asAdmin).send(body);

  /** Every table the rollout routes write to, to prove a refused request changed nothing. */
  const snapshot = async () => ({
    rollouts: (await db.query('SELECT id, status, percentage::float8 AS percentage, current_stage, updated_at FROM rollouts ORDER BY id'))
      .rows,
    history: await count('rollout_history'),
    reports: await count('rollout_health_reports'),
    observations: await count('rollout_observations'),
  });

  describe('create', () => {
    it('should create a draft with the contract defaults for thresholds and schedule', async () => {
      const res = await create({ name: 'defaults', modelVersion: 'v9' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        name: 'defaults',
        description: null,
        modelVersion: 'v9',
        baselineVersion: null,
        status: 'draft',
        percentage: 0,
        currentStage: 0,
        stageStartedAt: null,
        schedule: {
          startTime: null,
          stages: [
            { percentage: 5, durationHours: 2 },
            { percentage: 25, durationHours: 4 },
            { percentage: 50, durationHours: 8 },
            { percentage: 75, durationHours: 12 },
            { percentage: 100, durationHours: 24 },
          ],
        },
        healthThresholds: { maxErrorRate: 0.05, maxLatencyMs: 200, minAccuracy: 0.75, minRequests: 100 },
        lastHealth: null,
        rollbackReason: null,
        startedAt: null,
        completedAt: null,
      });
      expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(new Date(res.body.createdAt).toISOString()).toBe(res.body.createdAt);
      expect(await history(t, res.body.id)).toEqual([
        expect.objectContaining({ action: 'created', fromPercentage: null, toPercentage: 0, stage: 0, actor: 'admin' }),
      ]);
    });

    it('should take the contract example as is, with null disabling a threshold and two-decimal stages', async () => {
      const res = await create({
        name: 'ml-model-v2-rollout',
        description: '…',
        modelVersion: 'v2.0.0',
        baselineVersion: 'v1.4.2',
        schedule: {
          startTime: '2026-11-23T10:00:00Z',
          stages: [
            { percentage: 0.05, durationHours: 0.0005 },
            { percentage: 12.34, durationHours: 4 },
            { percentage: 100, durationHours: 24 },
          ],
        },
        healthThresholds: { maxErrorRate: 0.02, maxLatencyMs: null, minAccuracy: null },
        webhookUrl: 'https://93.184.215.14/rollouts',
      });
      expect(res.status).toBe(201);
      expect(res.body.schedule).toEqual({
        startTime: '2026-11-23T10:00:00.000Z',
        stages: [
          { percentage: 0.05, durationHours: 0.0005 },
          { percentage: 12.34, durationHours: 4 },
          { percentage: 100, durationHours: 24 },
        ],
      });
      expect(res.body.healthThresholds).toEqual({ maxErrorRate: 0.02, maxLatencyMs: null, minAccuracy: null, minRequests: 100 });
      expect(res.body.webhookUrl).toBe('https://93.184.215.14/rollouts');
    });

    const bad: Array<[string, Record<string, unknown>, string]> = [
      [
        'stages not increasing',
        {
          schedule: {
            stages: [
              { percentage: 50, durationHours: 1 },
              { percentage: 25, durationHours: 1 },
              { percentage: 100, durationHours: 1 },
            ],
          },
        },
        'schedule.stages[1].percentage',
      ],
      [
        'equal stages',
        {
          schedule: {
            stages: [
              { percentage: 50, durationHours: 1 },
              { percentage: 50, durationHours: 1 },
              { percentage: 100, durationHours: 1 },
            ],
          },
        },
        'schedule.stages[1].percentage',
      ],
      ['a last stage that is not 100', { schedule: { stages: stages(1, [5, 25, 50]) } }, 'schedule.stages[2].percentage'],
      ['a percentage above 100', { schedule: { stages: stages(1, [5, 100.5]) } }, 'schedule.stages[1].percentage'],
      ['a percentage of 0', { schedule: { stages: stages(1, [0, 100]) } }, 'schedule.stages[0].percentage'],
      ['a percentage with three decimals', { schedule: { stages: stages(1, [12.345, 100]) } }, 'schedule.stages[0].percentage'],
      [
        'a durationHours of 0',
        {
          schedule: {
            stages: [
              { percentage: 5, durationHours: 0 },
              { percentage: 100, durationHours: 1 },
            ],
          },
        },
        'schedule.stages[0].durationHours',
      ],
      [
        'a negative durationHours',
        {
          schedule: {
            stages: [
              { percentage: 5, durationHours: 1 },
              { percentage: 100, durationHours: -2 },
            ],
          },
        },
        'schedule.stages[1].durationHours',
      ],
      ['empty stages', { schedule: { stages: [] } }, 'schedule.stages'],
      [
        '21 stages',
        { schedule: { stages: Array.from({ length: 21 }, (_, i) => ({ percentage: i < 20 ? i + 1 : 100, durationHours: 1 })) } },
        'schedule.stages',
      ],
      [
        'a percentage given as a string',
        {
          schedule: {
            stages: [
              { percentage: '5', durationHours: 1 },
              { percentage: 100, durationHours: 1 },
            ],
          },
        },
        'schedule.stages[0].percentage',
      ],
      ['a start time that is not a date', { schedule: { startTime: 'next tuesday', stages: stages(1) } }, 'schedule.startTime'],
      ['an impossible start date', { schedule: { startTime: '2026-13-45T10:00:00Z' } }, 'schedule.startTime'],
      ['an error-rate threshold above 1', { healthThresholds: { maxErrorRate: 1.5 } }, 'healthThresholds.maxErrorRate'],
      ['a fractional minRequests', { healthThresholds: { minRequests: 10.5 } }, 'healthThresholds.minRequests'],
      ['a negative latency threshold', { healthThresholds: { maxLatencyMs: -1 } }, 'healthThresholds.maxLatencyMs'],
      ['an unknown threshold', { healthThresholds: { maxCpu: 0.9 } }, 'healthThresholds.maxCpu'],
      ['an unknown field', { colour: 'green' }, 'colour'],
      ['a missing modelVersion', { modelVersion: undefined }, 'modelVersion'],
      ['an empty name', { name: '' }, 'name'],
      ['a webhook that is not a URL', { webhookUrl: 'not a url' }, 'webhookUrl'],
      ['a webhook with another protocol', { webhookUrl: 'ftp://hooks.example/x' }, 'webhookUrl'],
      ['a webhook at the cloud metadata address', { webhookUrl: 'http://169.254.169.254/latest/meta-data' }, 'webhookUrl'],
      ['a webhook at loopback (the database port)', { webhookUrl: 'http://127.0.0.1:5432/' }, 'webhookUrl'],
      ['a webhook at a private address', { webhookUrl: 'http://10.0.0.5/hook' }, 'webhookUrl'],
      ['a webhook at metadata inside IPv6', { webhookUrl: 'http://[::ffff:169.254.169.254]/' }, 'webhookUrl'],
    ];

    it.each(bad)('should refuse %s with 400 naming the field and store nothing', async (_, overrides, field) => {
      const res = await create(rolloutBody(overrides));
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(res.body.message).toContain(field);
      expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      expect(await count('rollouts')).toBe(0);
      expect(await count('rollout_history')).toBe(0);
    });

    it('should refuse a second unfinished rollout of the same model version with 409, and allow one after the first finished', async () => {
      const first = await createRollout(t, { name: 'first' });
      const res = await create(rolloutBody({ name: 'second' }));
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ statusCode: 409, error: 'Conflict', code: 'MODEL_VERSION_TAKEN', conflictingRolloutId: first.id });
      expect(res.body.message).toContain('v2.0.0');
      expect(await count('rollouts')).toBe(1);

      await startRollout(t, first.id);
      expect((await create(rolloutBody({ name: 'third' }))).status).toBe(409);
      await t.http.post(`/api/v1/rollouts/${first.id}/promote`).set(asAdmin).expect(200);
      expect((await create(rolloutBody({ name: 'fourth' }))).status).toBe(201);
    });

    it('should refuse a name already taken (case-insensitive) with 409', async () => {
      await createRollout(t, { name: 'Ranker' });
      const res = await create(rolloutBody({ name: 'ranker', modelVersion: 'v3' }));
      expect(res.status).toBe(409);
      expect(res.body.message).toContain('ranker');
      expect(await count('rollouts')).toBe(1);
    });
  });

  describe('list and get', () => {
    it('should page newest first and filter by status and model version', async () => {
      const a = await createRollout(t, { name: 'a', modelVersion: 'va' });
      t.clock.advance(1000);
      const b = await createRollout(t, { name: 'b', modelVersion: 'vb' });
      t.clock.advance(1000);
      const c = await createRollout(t, { name: 'c', modelVersion: 'vc' });
      await startRollout(t, b.id);

      const page = await t.http.get('/api/v1/rollouts?limit=2').set(asAdmin).expect(200);
      expect(page.body).toMatchObject({ total: 3, limit: 2, offset: 0 });
      expect(page.body.items.map((r: any) => r.name)).toEqual(['c', 'b']);
      const next = await t.http.get('/api/v1/rollouts?limit=2&offset=2').set(asAdmin).expect(200);
      expect(next.body.items.map((r: any) => r.id)).toEqual([a.id]);

      const running = await t.http.get('/api/v1/rollouts?status=running').set(asAdmin).expect(200);
      expect(running.body.items.map((r: any) => r.id)).toEqual([b.id]);
      const byVersion = await t.http.get('/api/v1/rollouts?modelVersion=vc').set(asAdmin).expect(200);
      expect(byVersion.body.items.map((r: any) => r.id)).toEqual([c.id]);

      expect((await t.http.get('/api/v1/rollouts?status=flying').set(asAdmin)).status).toBe(400);
      expect((await t.http.get('/api/v1/rollouts?limit=501').set(asAdmin)).status).toBe(400);
    });

    it('should answer 404 for an unknown or malformed id', async () => {
      const unknown = await t.http.get('/api/v1/rollouts/7b0c4a52-9a1c-4a4b-8f7e-3f2d1c0b9a88').set(asAdmin);
      expect(unknown.status).toBe(404);
      expect(unknown.body.message).toContain('7b0c4a52-9a1c-4a4b-8f7e-3f2d1c0b9a88');
      expect((await t.http.get('/api/v1/rollouts/not-a-uuid').set(asAdmin)).status).toBe(404);
    });
  });

  describe('update', () => {
    it('should change anything in draft and record it', async () => {
      const r = await createRollout(t);
      const res = await t.http
        .patch(`/api/v1/rollouts/${r.id}`)
        .set(asAdmin)
        .send({ name: 'renamed', schedule: { stages: stages(1, [10, 100]) }, healthThresholds: { minRequests: 5 } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        name: 'renamed',
        schedule: {
          stages: [
            { percentage: 10, durationHours: 1 },
            { percentage: 100, durationHours: 1 },
          ],
        },
        healthThresholds: { maxErrorRate: 0.05, maxLatencyMs: 200, minAccuracy: 0.75, minRequests: 5 },
      });
      const rows = await history(t, r.id);
      expect(rows.map((h) => h.action)).toEqual(['created', 'updated']);
      expect(rows[1].reason).toBe('changed name, schedule, healthThresholds');
    });

    it('should refuse a webhookUrl at the metadata address or loopback with 400 and keep the old one', async () => {
      const r = await createRollout(t, { webhookUrl: 'https://93.184.215.14/hook' });
      for (const webhookUrl of ['http://169.254.169.254/latest/meta-data', 'http://127.0.0.1:5432/']) {
        const res = await t.http.patch(`/api/v1/rollouts/${r.id}`).set(asAdmin).send({ webhookUrl });
        expect(res.status).toBe(400);
        expect(res.body.details).toEqual([expect.objectContaining({ field: 'webhookUrl' })]);
      }
      expect((await t.http.get(`/api/v1/rollouts/${r.id}`).set(asAdmin).expect(200)).body.webhookUrl).toBe('https://93.184.215.14/hook');
      await t.http.patch(`/api/v1/rollouts/${r.id}`).set(asAdmin).send({ webhookUrl: null }).expect(200);
    });

    it('should allow description and thresholds once running but refuse the schedule with 409', async () => {
      const r = await createRollout(t);
      await startRollout(t, r.id);
      const ok = await t.http
        .patch(`/api/v1/rollouts/${r.id}`)
        .set(asAdmin)
        .send({ description: 'now live', healthThresholds: { maxLatencyMs: null } });
      expect(ok.status).toBe(200);
      expect(ok.body.healthThresholds.maxLatencyMs).toBeNull();

      const before = await snapshot();
      const refused = await t.http
        .patch(`/api/v1/rollouts/${r.id}`)
        .set(asAdmin)
        .send({ schedule: { stages: stages(1, [50, 100]) } });
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ status: 'running' });
      expect(refused.body.message).toContain('schedule');
      const renamed = await t.http.patch(`/api/v1/rollouts/${r.id}`).set(asAdmin).send({ modelVersion: 'v3' });
      expect(renamed.status).toBe(409);
      expect(await snapshot()).toEqual(before);
    });
  });

  describe('delete', () => {
    it('should refuse a running or paused rollout with 409 and delete a draft with its history', async () => {
      const r = await createRollout(t);
      await startRollout(t, r.id);
      expect((await t.http.delete(`/api/v1/rollouts/${r.id}`).set(asAdmin)).status).toBe(409);
      await t.http.post(`/api/v1/rollouts/${r.id}/pause`).set(asAdmin).expect(200);
      const paused = await t.http.delete(`/api/v1/rollouts/${r.id}`).set(asAdmin);
      expect(paused.status).toBe(409);
      expect(paused.body.allowed).toEqual(['resume', 'promote', 'rollback', 'percentage', 'update']);
      expect(await count('rollouts')).toBe(1);

      const draft = await createRollout(t, { name: 'draft', modelVersion: 'v7' });
      await t.http.delete(`/api/v1/rollouts/${draft.id}`).set(asAdmin).expect(204);
      expect(await countRows(db, 'SELECT count(*) FROM rollout_history WHERE rollout_id = $1', [draft.id])).toBe(0);
      expect((await t.http.get(`/api/v1/rollouts/${draft.id}`).set(asAdmin)).status).toBe(404);
    });
  });

  describe('lifecycle', () => {
    it('should start at stage 0, pause, resume, set a manual percentage and roll back, with history for each', async () => {
      const r = await createRollout(t, { schedule: { stages: stages(2) } });
      const started = await t.http.put(`/api/v1/rollouts/${r.id}/start`).set(asAdmin).expect(200);
      expect(started.body).toMatchObject({ status: 'running', percentage: 5, currentStage: 0 });
      expect(started.body.stageStartedAt).toBe(started.body.startedAt);

      t.clock.advance(60_000);
      const paused = await t.http.post(`/api/v1/rollouts/${r.id}/pause`).set(asAdmin).send({ reason: 'weekend' }).expect(200);
      expect(paused.body).toMatchObject({ status: 'paused', percentage: 5 });
      expect((await t.http.post(`/api/v1/rollouts/${r.id}/pause`).set(asAdmin)).status).toBe(409);
      t.clock.advance(60_000);
      const resumed = await t.http.put(`/api/v1/rollouts/${r.id}/resume`).set(asAdmin).expect(200);
      expect(resumed.body.status).toBe('running');
      // The stage timer restarts on resume: time spent paused does not count.
      expect(new Date(resumed.body.stageStartedAt).getTime()).toBe(t.clock.now().getTime());
      expect(new Date(resumed.body.stageStartedAt).getTime() - new Date(started.body.stageStartedAt).getTime()).toBe(120_000);

      const manual = await t.http
        .put(`/api/v1/rollouts/${r.id}/percentage`)
        .set(asAdmin)
        .send({ percentage: 60.25, reason: 'faster' })
        .expect(200);
      expect(manual.body).toMatchObject({ percentage: 60.25, currentStage: 2 });
      const alias = await t.http.put(`/api/v1/rollouts/${r.id}/update`).set(asAdmin).send({ percentage: 12.5 }).expect(200);
      expect(alias.body).toMatchObject({ percentage: 12.5, currentStage: 0 });
      const zero = await t.http.put(`/api/v1/rollouts/${r.id}/percentage`).set(asAdmin).send({ percentage: 0 }).expect(200);
      expect(zero.body).toMatchObject({ percentage: 0, currentStage: 0, status: 'running' });

      const rolledBack = await t.http
        .post(`/api/v1/rollouts/${r.id}/rollback`)
        .set(asAdmin)
        .send({ reason: 'offline eval regressed' })
        .expect(200);
      expect(rolledBack.body).toMatchObject({ status: 'rolled_back', percentage: 0, rollbackReason: 'offline eval regressed' });

      const rows = await history(t, r.id);
      expect(rows.map((h) => [h.action, h.fromPercentage, h.toPercentage, h.stage, h.actor])).toEqual([
        ['created', null, 0, 0, 'admin'],
        ['started', 0, 5, 0, 'admin'],
        ['paused', 5, 5, 0, 'admin'],
        ['resumed', 5, 5, 0, 'admin'],
        ['manual_percentage', 5, 60.25, 2, 'admin'],
        ['manual_percentage', 60.25, 12.5, 0, 'admin'],
        ['manual_percentage', 12.5, 0, 0, 'admin'],
        ['rolled_back', 0, 0, 0, 'admin'],
      ]);
      expect(rows[2].reason).toBe('weekend');
      expect(rows[4].reason).toBe('faster');
      expect(rows.every((h) => new Date(h.at).toISOString() === h.at)).toBe(true);

      // A rolled-back rollout may start again, from stage 0.
      const again = await startRollout(t, r.id);
      expect(again).toMatchObject({ status: 'running', percentage: 5, currentStage: 0, rollbackReason: null });
    });

    it('should answer every lifecycle action on PUT as on POST', async () => {
      const r = await createRollout(t);
      await t.http.put(`/api/v1/rollouts/${r.id}/start`).set(asAdmin).expect(200);
      expect((await t.http.put(`/api/v1/rollouts/${r.id}/pause`).set(asAdmin).send({ reason: 'put' }).expect(200)).body.status).toBe(
        'paused',
      );
      expect((await t.http.put(`/api/v1/rollouts/${r.id}/resume`).set(asAdmin).expect(200)).body.status).toBe('running');
      expect((await t.http.put(`/api/v1/rollouts/${r.id}/promote`).set(asAdmin).expect(200)).body.status).toBe('completed');
      const back = await t.http.put(`/api/v1/rollouts/${r.id}/rollback`).set(asAdmin).send({ reason: 'via put' }).expect(200);
      expect(back.body).toMatchObject({ status: 'rolled_back', rollbackReason: 'via put' });
      expect((await history(t, r.id)).map((h) => h.action)).toEqual(['created', 'started', 'paused', 'resumed', 'promoted', 'rolled_back']);
    });

    it('should schedule a rollout whose start time is in the future', async () => {
      const startTime = new Date(t.clock.now().getTime() + HOUR_MS).toISOString();
      const r = await createRollout(t, { schedule: { startTime, stages: stages(1) } });
      const res = await t.http.post(`/api/v1/rollouts/${r.id}/start`).set(asAdmin).expect(200);
      expect(res.body).toMatchObject({ status: 'scheduled', percentage: 0, stageStartedAt: null, schedule: { startTime } });
      expect((await history(t, r.id)).map((h) => h.action)).toEqual(['created', 'scheduled']);
    });

    it('should take a start time in the start body and refuse one that is not a date', async () => {
      const r = await createRollout(t);
      const before = await snapshot();
      const bad = await t.http.post(`/api/v1/rollouts/${r.id}/start`).set(asAdmin).send({ startTime: 'soon' });
      expect(bad.status).toBe(400);
      expect(bad.body.details).toEqual([expect.objectContaining({ field: 'startTime' })]);
      expect(await snapshot()).toEqual(before);
      const future = new Date(t.clock.now().getTime() + 60_000).toISOString();
      const ok = await t.http.post(`/api/v1/rollouts/${r.id}/start`).set(asAdmin).send({ startTime: future }).expect(200);
      expect(ok.body).toMatchObject({ status: 'scheduled', schedule: { startTime: future } });
    });

    it('should promote to 100 % and then refuse a manual percentage with 409', async () => {
      const r = await createRollout(t);
      await startRollout(t, r.id);
      const promoted = await t.http.post(`/api/v1/rollouts/${r.id}/promote`).set(asAdmin).expect(200);
      expect(promoted.body).toMatchObject({ status: 'completed', percentage: 100, currentStage: 4 });
      expect(promoted.body.completedAt).not.toBeNull();

      const before = await snapshot();
      const res = await t.http.put(`/api/v1/rollouts/${r.id}/percentage`).set(asAdmin).send({ percentage: 50 });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ statusCode: 409, status: 'completed', allowed: ['rollback', 'update', 'delete'] });
      expect(await snapshot()).toEqual(before);
    });

    it('should refuse illegal moves with 409 listing what is allowed', async () => {
      const r = await createRollout(t);
      const before = await snapshot();
      for (const action of ['pause', 'resume', 'promote', 'rollback']) {
        const res = await t.http.post(`/api/v1/rollouts/${r.id}/${action}`).set(asAdmin);
        expect(res.status).toBe(409);
        expect(res.body).toMatchObject({ status: 'draft', allowed: ['start', 'update', 'delete'] });
      }
      expect((await t.http.put(`/api/v1/rollouts/${r.id}/percentage`).set(asAdmin).send({ percentage: 10 })).status).toBe(409);
      await startRollout(t, r.id);
      expect((await t.http.post(`/api/v1/rollouts/${r.id}/start`).set(asAdmin)).status).toBe(409);
      const after = await snapshot();
      expect(after.history).toBe(before.history + 1);
    });

    it('should refuse bad manual percentages with 400 and change nothing', async () => {
      const r = await createRollout(t);
      await startRollout(t, r.id);
      const before = await snapshot();
      for (const body of [
        { percentage: 100.01 },
        { percentage: -1 },
        { percentage: 12.345 },
        { percentage: '50' },
        {},
        { percentage: 50, extra: true },
      ]) {
        const res = await t.http.put(`/api/v1/rollouts/${r.id}/percentage`).set(asAdmin).send(body);
        expect(res.status).toBe(400);
        expect(res.body.statusCode).toBe(400);
      }
      expect(await snapshot()).toEqual(before);
    });
  });

  describe('check', () => {
    it('should answer by id and by model version from the same bucket, and follow changes at once', async () => {
      const r = await createRollout(t);
      await startRollout(t, r.id);
      const users = Array.from({ length: 200 }, (_, i) => `user-${i}`);
      for (const userId of users.slice(0, 40)) {
        const byId = await t.http.get(`/api/v1/rollouts/${r.id}/check`).query({ userId }).set(asClient).expect(200);
        const byVersion = await t.http.get('/api/v1/rollouts/check/v2.0.0').query({ userId }).set(asClient).expect(200);
        const expected = { rolloutId: r.id, modelVersion: 'v2.0.0', userId, useNewModel: inPercentage(r.id, userId, 5), percentage: 5 };
        expect(byId.body).toEqual(expected);
        expect(byVersion.body).toEqual(expected);
      }
      await t.http.put(`/api/v1/rollouts/${r.id}/percentage`).set(asAdmin).send({ percentage: 100 }).expect(200);
      for (const userId of users.slice(0, 10)) {
        const res = await t.http.get('/api/v1/rollouts/check/v2.0.0').query({ userId }).set(asClient).expect(200);
        expect(res.body).toMatchObject({ useNewModel: true, percentage: 100 });
      }
      await t.http.post(`/api/v1/rollouts/${r.id}/rollback`).set(asAdmin).send({ reason: 'test' }).expect(200);
      for (const userId of users.slice(0, 10)) {
        const res = await t.http.get(`/api/v1/rollouts/${r.id}/check`).query({ userId }).set(asClient).expect(200);
        expect(res.body).toMatchObject({ useNewModel: false, percentage: 0 });
      }
    });

    it('should keep useNewModel false for a draft and true for everyone once completed', async () => {
      const r = await createRollout(t);
      const draft = await t.http.get(`/api/v1/rollouts/${r.id}/check?userId=u-1`).set(asClient).expect(200);
      expect(draft.body).toMatchObject({ useNewModel: false, percentage: 0 });
      await startRollout(t, r.id);
      await t.http.post(`/api/v1/rollouts/${r.id}/promote`).set(asAdmin).expect(200);
      // A new draft for the same version must not hide the completed rollout.
      await createRollout(t, { name: 'next try' });
      const done = await t.http.get('/api/v1/rollouts/check/v2.0.0?userId=u-1').set(asClient).expect(200);
      expect(done.body).toMatchObject({ rolloutId: r.id, useNewModel: true, percentage: 100 });
    });

    it('should answer 400 without userId and 404 for unknown rollouts and model versions', async () => {
      const r = await createRollout(t);
      const missing = await t.http.get(`/api/v1/rollouts/${r.id}/check`).set(asClient);
      expect(missing.status).toBe(400);
      expect(missing.body.details).toEqual([expect.objectContaining({ field: 'userId' })]);
      expect((await t.http.get('/api/v1/rollouts/check/v2.0.0').set(asClient)).status).toBe(400);
      expect((await t.http.get('/api/v1/rollouts/check/v2.0.0?userId=').set(asClient)).status).toBe(400);
      const unknownVersion = await t.http.get('/api/v1/rollouts/check/v404?userId=u').set(asClient);
      expect(unknownVersion.status).toBe(404);
      expect(unknownVersion.body.message).toContain('v404');
      expect((await t.http.get('/api/v1/rollouts/1f6a1b43-6a52-4e8e-9d1f-1f2c3d4e5f60/check?userId=u').set(asClient)).status).toBe(404);
    });

    it('should serve a repeated check without a database round trip', async () => {
      const r = await createRollout(t);
      await startRollout(t, r.id);
      // The start's own NOTIFY comes back to this replica and empties its cache: wait for it (a marker sent after it arrives after it).
      const feed = t.app.get(ChangeFeedService);
      const markerId = `marker-${r.id}`;
      const markerSeen = new Promise<void>((resolve) => {
        const unsubscribe = feed.subscribe((change) => {
          if (change !== 'resync' && change.id === markerId) {
            unsubscribe();
            resolve();
          }
        });
      });
      await db.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, JSON.stringify({ entity: 'alert', id: markerId })]);
      await markerSeen;
      const service = t.app.get(RolloutCatalogService);
      await service.check(r.id, 'warm-up');
      await service.checkModelVersion('v2.0.0', 'warm-up');
      // With the rollout table locked by this session, a query would wait for the lock; cached checks never do.
      await db.query('BEGIN');
      await db.query('LOCK TABLE rollouts IN ACCESS EXCLUSIVE MODE');
      const lock = await db.query(`SELECT pg_backend_pid() AS pid`);
      const other = new Client({ connectionString: t.databaseUrl });
      await other.connect();
      try {
        let done = false;
        const checks = (async () => {
          for (let i = 0; i < 1000; i++) {
            await service.check(r.id, `u-${i}`);
            await service.checkModelVersion('v2.0.0', `u-${i}`);
          }
          done = true;
          return 'answered from memory';
        })();
        // Answers as soon as some session waits for the lock this test holds, instead of letting the test hang.
        const blocked = (async () => {
          while (!done) {
            const { rows } = await other.query(
              `SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND $1 = ANY(pg_blocking_pids(pid))`,
              [lock.rows[0].pid],
            );
            if (rows[0].n > 0) return 'a check went to the database';
          }
          return 'answered from memory';
        })();
        expect(await Promise.race([checks, blocked])).toBe('answered from memory');
      } finally {
        await db.query('ROLLBACK');
        await other.end();
      }
    });
  });

  describe('bucketing', () => {
    it('should put 25 % of 100,000 users on the new model, and keep every one of them on it at 50 %', async () => {
      const r = await createRollout(t);
      await startRollout(t, r.id);
      await t.http.put(`/api/v1/rollouts/${r.id}/percentage`).set(asAdmin).send({ percentage: 25 }).expect(200);
      const service = t.app.get(RolloutCatalogService);
      const users = Array.from({ length: 100_000 }, (_, i) => `user-${i}`);
      const at25 = new Set<string>();
      for (const userId of users) if ((await service.check(r.id, userId)).useNewModel) at25.add(userId);
      expect(Math.abs((at25.size / users.length) * 100 - 25)).toBeLessThan(0.5);

      await t.http.put(`/api/v1/rollouts/${r.id}/percentage`).set(asAdmin).send({ percentage: 50 }).expect(200);
      let at50 = 0;
      const lost: string[] = [];
      for (const userId of users) {
        const { useNewModel } = await service.check(r.id, userId);
        if (useNewModel) at50++;
        else if (at25.has(userId)) lost.push(userId);
      }
      expect(lost).toEqual([]);
      expect(Math.abs((at50 / users.length) * 100 - 50)).toBeLessThan(0.5);

      // The HTTP route gives the same answers as the service for a sample.
      for (const userId of users.slice(0, 50)) {
        const res = await t.http.get(`/api/v1/rollouts/${r.id}/check`).query({ userId }).set(asClient).expect(200);
        expect(res.body.useNewModel).toBe(inPercentage(r.id, userId, 50));
      }
    });
  });

  describe('decide', () => {
    it('should return every running, paused or completed rollout for the user, and none of the others', async () => {
      const running = await createRollout(t, { name: 'running', modelVersion: 'm-running' });
      const paused = await createRollout(t, { name: 'paused', modelVersion: 'm-paused' });
      const completed = await createRollout(t, { name: 'completed', modelVersion: 'm-completed' });
      const rolledBack = await createRollout(t, { name: 'rolled back', modelVersion: 'm-rolled-back' });
      await createRollout(t, { name: 'draft', modelVersion: 'm-draft' });
      for (const r of [running, paused, completed, rolledBack]) await startRollout(t, r.id);
      await t.http.put(`/api/v1/rollouts/${running.id}/percentage`).set(asAdmin).send({ percentage: 50 }).expect(200);
      await t.http.post(`/api/v1/rollouts/${paused.id}/pause`).set(asAdmin).expect(200);
      await t.http.post(`/api/v1/rollouts/${completed.id}/promote`).set(asAdmin).expect(200);
      await t.http.post(`/api/v1/rollouts/${rolledBack.id}/rollback`).set(asAdmin).expect(200);

      for (const userId of ['u-1', 'u-2', 'u-3', 'u-4', 'u-5', 'u-6']) {
        const res = await t.http.post('/api/v1/decide').set(asClient).send({ userId }).expect(200);
        expect(res.body.rollouts).toEqual({
          'm-running': { useNewModel: inPercentage(running.id, userId, 50), percentage: 50 },
          'm-paused': { useNewModel: inPercentage(paused.id, userId, 5), percentage: 5 },
          'm-completed': { useNewModel: true, percentage: 100 },
        });
      }
    });
  });

  describe('health reports and observations', () => {
    it('should record a valid report and raw observations', async () => {
      const r = await createRollout(t);
      await startRollout(t, r.id);
      const res = await t.http
        .post(`/api/v1/rollouts/${r.id}/health`)
        .set(asClient)
        .send({ ...HEALTHY_REPORT, windowStart: '2026-11-23T10:00:00Z', windowEnd: '2026-11-23T10:05:00Z' });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ status: 'recorded', rolloutId: r.id });
      const observations = Array.from({ length: 10_000 }, (_, i) => ({
        latencyMs: i % 300,
        error: i % 50 === 0,
        ...(i % 2 ? { correct: i % 3 !== 0 } : {}),
      }));
      const obs = await t.http.post(`/api/v1/rollouts/${r.id}/observations`).set(asClient).send({ observations });
      expect(obs.status).toBe(202);
      expect(obs.body).toEqual({ status: 'recorded', rolloutId: r.id, accepted: 10_000 });
      const stored = (
        await db.query(
          'SELECT count(*)::int AS n, count(*) FILTER (WHERE error)::int AS errors, count(correct)::int AS labeled FROM rollout_observations',
        )
      ).rows[0];
      expect(stored).toEqual({ n: 10_000, errors: 200, labeled: 5_000 });
      const row = (await db.query('SELECT requests, errors, latency_p95_ms, labeled, correct, window_start FROM rollout_health_reports'))
        .rows[0];
      expect(row).toEqual({
        requests: '1000',
        errors: '10',
        latency_p95_ms: 120,
        labeled: '200',
        correct: '180',
        window_start: new Date('2026-11-23T10:00:00Z'),
      });
    });

    const badReports: Array<[string, Record<string, unknown>, string]> = [
      ['negative requests', { requests: -1, errors: 0 }, 'requests'],
      ['fractional requests', { requests: 10.5, errors: 0 }, 'requests'],
      ['requests as a string', { requests: '10', errors: 0 }, 'requests'],
      ['errors above requests', { requests: 10, errors: 11 }, 'errors'],
      ['correct above labeled', { requests: 10, errors: 0, labeled: 5, correct: 6 }, 'correct'],
      ['negative latency', { requests: 10, errors: 0, latencyP95Ms: -5 }, 'latencyP95Ms'],
      ['a window start that is not a date', { requests: 10, errors: 0, windowStart: 'yesterday' }, 'windowStart'],
      [
        'a window that ends before it starts',
        { requests: 10, errors: 0, windowStart: '2026-11-23T10:05:00Z', windowEnd: '2026-11-23T10:00:00Z' },
        'windowEnd',
      ],
      ['missing errors', { requests: 10 }, 'errors'],
      ['an unknown field', { requests: 10, errors: 0, cpu: 0.5 }, 'cpu'],
      // Bounds (docs/decisions/011): one client must not bury a failing model under absurd numbers.
      ['requests: 9e15', { requests: 9e15, errors: 0 }, 'requests'],
      ['requests above 1e9', { requests: MAX_REPORT_COUNT + 1, errors: 0 }, 'requests'],
      ['errors above 1e9', { requests: MAX_REPORT_COUNT, errors: MAX_REPORT_COUNT + 1 }, 'errors'],
      ['labeled above 1e9', { requests: 10, errors: 0, labeled: MAX_REPORT_COUNT + 1 }, 'labeled'],
      ['correct above 1e9', { requests: 10, errors: 0, labeled: MAX_REPORT_COUNT, correct: MAX_REPORT_COUNT + 1 }, 'correct'],
      ['negative labeled', { requests: 10, errors: 0, labeled: -1 }, 'labeled'],
      ['fractional correct', { requests: 10, errors: 0, labeled: 5, correct: 1.5 }, 'correct'],
      ['latency above an hour', { requests: 10, errors: 0, latencyP95Ms: MAX_LATENCY_MS + 1 }, 'latencyP95Ms'],
      ['a window that ends more than 5 minutes from now', { requests: 10, errors: 0, windowEnd: '2999-01-01T00:00:00Z' }, 'windowEnd'],
      ['a window that starts before 2000', { requests: 10, errors: 0, windowStart: '1970-01-01T00:00:00Z' }, 'windowStart'],
    ];

    it.each(badReports)('should refuse a report with %s (400) and store nothing', async (_, body, field) => {
      const r = await createRollout(t);
      await startRollout(t, r.id);
      const before = await snapshot();
      const res = await t.http.post(`/api/v1/rollouts/${r.id}/health`).set(asClient).send(body);
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      expect(await snapshot()).toEqual(before);
    });

    it.each([
      ['requests', '{"requests": 1e999, "errors": 0}'],
      ['latencyP95Ms', '{"requests": 10, "errors": 0, "latencyP95Ms": 1e999}'],
    ])('should refuse an infinite %s written as 1e999 (400) and store nothing', async (field, body) => {
      const r = await createRollout(t);
      await startRollout(t, r.id);
      const before = await snapshot();
      const res = await t.http.post(`/api/v1/rollouts/${r.id}/health`).set(asClient).set('content-type', 'application/json').send(body);
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual([expect.objectContaining({ field })]);
      expect(await snapshot()).toEqual(before);
    });

    it('should refuse bad observation batches with 400 naming the item, and store none of the batch', async () => {
      const r = await createRollout(t);
      await startRollout(t, r.id);
      const before = await snapshot();
      const cases: Array<[unknown, string]> = [
        [[], 'observations'],
        [Array.from({ length: 10_001 }, () => ({ latencyMs: 1 })), 'observations'],
        [[{ latencyMs: 10 }, { latencyMs: -1 }], 'observations[1].latencyMs'],
        [[{ latencyMs: MAX_LATENCY_MS + 1 }], 'observations[0].latencyMs'],
        [[{ latencyMs: 10, error: 'no' }], 'observations[0].error'],
        [[{ latencyMs: 10, correct: 1 }], 'observations[0].correct'],
        [[{ latencyMs: 10, colour: 'red' }], 'observations[0].colour'],
        [[42], 'observations[0]'],
        ['many', 'observations'],
      ];
      for (const [observations, field] of cases) {
        const res = await t.http.post(`/api/v1/rollouts/${r.id}/observations`).set(asClient).send({ observations });
        expect(res.status).toBe(400);
        expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      }
      expect(await snapshot()).toEqual(before);
    });

    it('should refuse health data for a draft or finished rollout with 409 and for an unknown one with 404', async () => {
      const r = await createRollout(t);
      const draft = await t.http.post(`/api/v1/rollouts/${r.id}/health`).set(asClient).send(HEALTHY_REPORT);
      expect(draft.status).toBe(409);
      expect(draft.body.status).toBe('draft');
      const unknown = await t.http
        .post('/api/v1/rollouts/1f6a1b43-6a52-4e8e-9d1f-1f2c3d4e5f60/observations')
        .set(asClient)
        .send({ observations: [{ latencyMs: 1 }] });
      expect(unknown.status).toBe(404);
      expect(await count('rollout_health_reports')).toBe(0);
      expect(await count('rollout_observations')).toBe(0);
    });
  });

  describe('auth', () => {
    it('should let a client token check and report, and nothing else', async () => {
      const r = await createRollout(t);
      await startRollout(t, r.id);
      expect((await t.http.get(`/api/v1/rollouts/${r.id}/check?userId=u`).set(asClient)).status).toBe(200);
      expect((await t.http.post(`/api/v1/rollouts/${r.id}/health`).set(asClient).send(HEALTHY_REPORT)).status).toBe(202);
      expect((await t.http.get('/api/v1/rollouts').set(asClient)).status).toBe(403);
      expect((await t.http.post(`/api/v1/rollouts/${r.id}/rollback`).set(asClient)).status).toBe(403);
      expect((await t.http.get(`/api/v1/rollouts/${r.id}/history`).set(asClient)).status).toBe(403);
      expect((await t.http.get(`/api/v1/rollouts/${r.id}/check?userId=u`)).status).toBe(401);
      expect((await getRollout(t, r.id)).status).toBe('running');
    });
  });
});
