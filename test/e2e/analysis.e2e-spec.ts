import { Client } from 'pg';
import { AnalysisJobService } from '../../src/analysis/analysis-job.service';
import { ManualClock } from '../../src/common/clock';
import { asAdmin, startTestApp, TestApp } from '../support/test-app';

const TICK_SECONDS = 60;

/**
 * The scheduled analysis (issue 15): SRM and guardrail alerts come from the job, once per condition,
 * resolved when the condition clears; GET /results has no side effects. Time is a ManualClock and
 * the ticks are driven here, never waited for.
 */
describe(AnalysisJobService.name, () => {
  const clock = new ManualClock(new Date('2026-11-23T10:00:00.000Z'));
  let t: TestApp;
  let db: Client;
  let job: AnalysisJobService;

  beforeAll(async () => {
    t = await startTestApp({ ANALYSIS_TICK_SECONDS: String(TICK_SECONDS) }, { clock });
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    job = t.app.get(AnalysisJobService);
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  const nextTick = () => {
    clock.advance(TICK_SECONDS * 1000);
    return job.tick();
  };

  async function createRunning(
    key: string,
    metrics: Record<string, unknown>[] = [{ name: 'purchase', type: 'conversion' }],
  ): Promise<string> {
    const res = await t.http
      .post('/api/v1/experiments')
      .set(asAdmin)
      .send({
        name: key,
        key,
        variants: [
          { name: 'control', weight: 0.5 },
          { name: 'green', weight: 0.5 },
        ],
        metrics,
        minimumSampleSize: 100,
      });
    expect(res.status).toBe(201);
    await t.http.post(`/api/v1/experiments/${key}/start`).set(asAdmin).expect(200);
    return res.body.id;
  }

  /** Users written straight to the table: the assign route cannot produce a sample ratio mismatch. */
  async function addUsers(id: string, prefix: string, control: number, green: number): Promise<void> {
    await db.query(
      `INSERT INTO assignments (experiment_id, user_id, variant)
       SELECT $1, $2::text || g, CASE WHEN g <= $3::int THEN 'control' ELSE 'green' END FROM generate_series(1, $3::int + $4::int) g`,
      [id, prefix, control, green],
    );
  }

  const alertsOf = async (id: string, kind: string) =>
    (await db.query(`SELECT id, status FROM alerts WHERE subject_id = $1 AND kind = $2 ORDER BY created_at, id`, [id, kind])).rows as {
      id: string;
      status: string;
    }[];

  it('should raise an SRM alert within two ticks for an experiment nobody reads, and GET /results raises nothing', async () => {
    const id = await createRunning('srm-unread');
    await addUsers(id, 'u-', 1200, 1000);
    // Reading it, however often, changes nothing.
    const before = await db.query(`SELECT (SELECT count(*) FROM alerts) AS alerts, (SELECT count(*) FROM experiment_analysis) AS states`);
    for (let i = 0; i < 3; i++) {
      const res = await t.http.get('/api/v1/experiments/srm-unread/results?fresh=true').set(asAdmin).expect(200);
      expect(res.body.srm.mismatch).toBe(true);
    }
    const after = await db.query(`SELECT (SELECT count(*) FROM alerts) AS alerts, (SELECT count(*) FROM experiment_analysis) AS states`);
    expect(after.rows).toEqual(before.rows);
    expect(await alertsOf(id, 'srm')).toEqual([]);

    // Nobody reads it from here on.
    await nextTick();
    if ((await alertsOf(id, 'srm')).length === 0) await nextTick();
    expect(await alertsOf(id, 'srm')).toEqual([{ id: expect.any(String), status: 'open' }]);
    const alert = (await t.http.get('/api/v1/alerts?status=open').set(asAdmin)).body.items.find(
      (a: { subjectId: string }) => a.subjectId === id,
    );
    expect(alert).toMatchObject({ kind: 'srm', severity: 'critical', subjectType: 'experiment' });
    expect(alert.message).toMatch(/^srm-unread: sample ratio mismatch \(chi-square p = 2\.0e-5\): users control 1200, green 1000/);
  });

  it('should raise once per condition, not once per tick, and resolve the alert when the condition clears', async () => {
    const id = await createRunning('srm-lifecycle');
    await addUsers(id, 'a-', 1200, 1000);
    await nextTick();
    await nextTick();
    await nextTick();
    expect(await alertsOf(id, 'srm')).toEqual([{ id: expect.any(String), status: 'open' }]);

    // A person resolves it while the mismatch persists: not paged again for the same condition.
    const [first] = await alertsOf(id, 'srm');
    await t.http.post(`/api/v1/alerts/${first.id}/resolve`).set(asAdmin).expect(200);
    await nextTick();
    expect(await alertsOf(id, 'srm')).toEqual([{ id: first.id, status: 'resolved' }]);

    // The condition clears (200 more green users: 1200 vs 1200), then comes back: a new alert.
    await addUsers(id, 'b-', 0, 200);
    await nextTick();
    await addUsers(id, 'c-', 400, 0);
    await nextTick();
    const again = await alertsOf(id, 'srm');
    expect(again).toEqual([
      { id: first.id, status: 'resolved' },
      { id: expect.any(String), status: 'open' },
    ]);

    // It clears again: resolved automatically.
    await addUsers(id, 'd-', 0, 400);
    const outcome = (await nextTick()).outcomes.find((o) => o.experimentId === id);
    expect(outcome?.resolved).toEqual(['srm']);
    expect((await alertsOf(id, 'srm')).map((a) => a.status)).toEqual(['resolved', 'resolved']);
    const { rows } = await db.query(`SELECT resolved_at FROM alerts WHERE id = $1`, [again[1].id]);
    expect(rows[0].resolved_at.toISOString()).toBe(clock.now().toISOString()); // the job's clock, not the database's
  });

  it('should raise a guardrail alert from the job and resolve it when the guardrail recovers', async () => {
    const id = await createRunning('guardrail-job', [
      { name: 'purchase', type: 'conversion', role: 'primary' },
      { name: 'error', type: 'conversion', goal: 'decrease', role: 'guardrail' },
    ]);
    await addUsers(id, 'g-', 500, 500);
    const errors = async (prefix: string, from: number, count: number) =>
      db.query(
        `INSERT INTO event_user_totals (experiment_id, event_name, user_id, variant, total, events, first_at)
         SELECT $1, 'error', $2::text || g, CASE WHEN g <= 500 THEN 'control' ELSE 'green' END, 1, 1, now()
           FROM generate_series($3::int, $3::int + $4::int - 1) g`,
        [id, prefix, from, count],
      );
    await errors('g-', 1, 10); // control 10 / 500
    await errors('g-', 501, 40); // green 40 / 500: significantly worse
    const tick = await nextTick();
    expect(tick.outcomes.find((o) => o.experimentId === id)?.raised).toEqual(['guardrail_failure']);
    expect(await alertsOf(id, 'guardrail_failure')).toEqual([{ id: expect.any(String), status: 'open' }]);
    expect((await nextTick()).outcomes.find((o) => o.experimentId === id)?.raised).toEqual([]);

    await errors('g-', 11, 30); // control catches up: 40 / 500 each
    await nextTick();
    expect((await alertsOf(id, 'guardrail_failure')).map((a) => a.status)).toEqual(['resolved']);
  });

  it('should analyse each due experiment once across replicas, and not again before the next period', async () => {
    await createRunning('replicated');
    const other = await startTestApp({ ANALYSIS_TICK_SECONDS: String(TICK_SECONDS) }, { clock, databaseUrl: t.databaseUrl });
    try {
      clock.advance(TICK_SECONDS * 1000);
      const [a, b] = await Promise.all([job.tick(), other.app.get(AnalysisJobService).tick()]);
      const running = Number((await db.query(`SELECT count(*) FROM experiments WHERE status = 'running'`)).rows[0].count);
      expect(a.outcomes.length + b.outcomes.length).toBe(running);
      const ids = [...a.outcomes, ...b.outcomes].map((o) => o.experimentId);
      expect(new Set(ids).size).toBe(ids.length);
      // Same instant again: nothing is due.
      expect((await job.tick()).outcomes).toEqual([]);
      expect((await other.app.get(AnalysisJobService).tick()).outcomes).toEqual([]);
    } finally {
      await other.close({ keepDatabase: true });
    }
  });

  it('should publish a change only when the headline moves, and refresh the results cache', async () => {
    const id = await createRunning('headline');
    await addUsers(id, 'h-', 300, 300);
    const first = (await nextTick()).outcomes.find((o) => o.experimentId === id);
    expect(first?.published).toBe(true);
    const second = (await nextTick()).outcomes.find((o) => o.experimentId === id);
    expect(second).toMatchObject({ published: false, raised: [], resolved: [] });
    // The cached result is the job's: computedAt is the tick's time.
    const cached = await t.http.get('/api/v1/experiments/headline/results').set(asAdmin).expect(200);
    expect(cached.body.computedAt).toBe(clock.now().toISOString());
  });

  it('should expose the last run and its duration on /metrics', async () => {
    await nextTick();
    const text = (await t.http.get('/metrics').expect(200)).text;
    expect(text).toContain(`experimentation_analysis_job_last_run_timestamp_seconds ${clock.now().getTime() / 1000}`);
    expect(text).toMatch(/^experimentation_analysis_job_last_duration_seconds \d/m);
    expect(text).toMatch(/^experimentation_analysis_job_experiments_total\{outcome="analysed"\} \d+/m);
  });
});
