import { Client } from 'pg';
import { RolloutSchedulerService } from '../../src/rollouts/rollout-scheduler.service';
import { asAdmin, asClient, startTestApp, TestApp } from '../support/test-app';
import {
  countRows,
  createRollout,
  getRollout,
  HEALTHY_REPORT,
  history,
  report,
  sleep,
  startRollout,
  startWebhookReceiver,
  tick,
  waitFor,
  WebhookReceiver,
} from './rollouts-support';

/**
 * Several service instances on one database, all ticking every second (and, to make the races
 * likelier, also ticked directly all at once): every stage must still be advanced exactly once.
 */
describe(`${RolloutSchedulerService.name} with three replicas`, () => {
  let replicas: TestApp[];
  let db: Client;
  let hook: WebhookReceiver;

  beforeAll(async () => {
    hook = await startWebhookReceiver();
    const env = { ROLLOUT_TICK_SECONDS: '1', ROLLOUT_WEBHOOK_URL: hook.url };
    const first = await startTestApp(env);
    const others = [
      await startTestApp(env, { databaseUrl: first.databaseUrl }),
      await startTestApp(env, { databaseUrl: first.databaseUrl }),
    ];
    replicas = [first, ...others];
    db = new Client({ connectionString: first.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await replicas[2].close({ keepDatabase: true });
    await replicas[1].close({ keepDatabase: true });
    await replicas[0].close();
    await hook.close();
  });

  /** All three replicas tick at the same moment, over and over, until stopped. */
  function hammer(): { stop: () => Promise<void> } {
    let running = true;
    const loop = (async () => {
      while (running) {
        await Promise.all(replicas.map((replica) => tick(replica)));
        await sleep(50);
      }
    })();
    return {
      stop: async () => {
        running = false;
        await loop;
      },
    };
  }

  it('should advance each stage exactly once and complete once', async () => {
    const [a, b, c] = replicas;
    const r = await createRollout(a);
    await startRollout(b, r.id);
    const ticking = hammer();
    let turn = 0;
    const done = await waitFor(
      'completion',
      async () => {
        // Reports arrive at whichever replica the load balancer picks.
        await report(replicas[turn++ % 3], r.id, HEALTHY_REPORT).catch(() => undefined);
        const current = await getRollout(c, r.id);
        return current.status === 'completed' ? current : undefined;
      },
      40_000,
      200,
    );
    await sleep(1500); // more ticks on every replica after completion change nothing
    await ticking.stop();

    expect(done).toMatchObject({ percentage: 100, currentStage: 4 });
    const rows = await history(a, r.id);
    expect(rows.map((h) => [h.action, h.toPercentage, h.stage])).toEqual([
      ['created', 0, 0],
      ['started', 5, 0],
      ['advanced', 25, 1],
      ['advanced', 50, 2],
      ['advanced', 75, 3],
      ['advanced', 100, 4],
      ['completed', 100, 4],
    ]);
    expect(await countRows(db, `SELECT count(*) FROM rollout_history WHERE rollout_id = $1 AND action = 'advanced'`, [r.id])).toBe(4);

    // Every replica's check cache heard of the change (LISTEN/NOTIFY), whichever replica made it.
    for (const replica of replicas) {
      const check = await replica.http.get(`/api/v1/rollouts/${r.id}/check?userId=u-42`).set(asClient).expect(200);
      expect(check.body).toMatchObject({ useNewModel: true, percentage: 100 });
    }
  });

  it('should roll back exactly once, with one alert and one webhook call', async () => {
    const [a, b, c] = replicas;
    const r = await createRollout(a, { name: 'bad model', modelVersion: 'v-bad' });
    await startRollout(a, r.id);
    // Every replica caches the rollout at 5 % before the rollback.
    for (const replica of replicas) await replica.http.get(`/api/v1/rollouts/check/v-bad?userId=u-1`).set(asClient).expect(200);
    const ticking = hammer();
    await report(b, r.id, { requests: 1000, errors: 300 });
    await waitFor('rollback', async () => ((await getRollout(c, r.id)).status === 'rolled_back' ? true : undefined));
    await sleep(1500);
    await ticking.stop();

    expect(await countRows(db, `SELECT count(*) FROM rollout_history WHERE rollout_id = $1 AND action = 'health_failed'`, [r.id])).toBe(1);
    expect(await countRows(db, `SELECT count(*) FROM rollout_history WHERE rollout_id = $1 AND action = 'rolled_back'`, [r.id])).toBe(1);
    const alerts = await a.http.get('/api/v1/alerts').set(asAdmin).expect(200);
    expect(alerts.body.items.filter((alert: any) => alert.subjectId === r.id)).toHaveLength(1);
    await waitFor('webhook', async () => (hook.received.some((d) => d.body.rollout.id === r.id) ? true : undefined), 5000);
    await sleep(500);
    expect(hook.received.filter((d) => d.body.rollout.id === r.id)).toHaveLength(1);
    for (const replica of replicas) {
      const check = await replica.http.get(`/api/v1/rollouts/check/v-bad?userId=u-1`).set(asClient).expect(200);
      expect(check.body).toMatchObject({ useNewModel: false, percentage: 0 });
    }
  });
});

describe(`${RolloutSchedulerService.name} across a restart`, () => {
  it('should continue a rollout from where it was after the service restarts', async () => {
    const before = await startTestApp();
    const r = await createRollout(before);
    await startRollout(before, r.id);
    for (const percentage of [25, 50]) {
      await report(before, r.id);
      await sleep(1900);
      await tick(before);
      expect((await getRollout(before, r.id)).percentage).toBe(percentage);
    }
    const databaseUrl = before.databaseUrl;
    await before.close({ keepDatabase: true });

    const after = await startTestApp({ ROLLOUT_TICK_SECONDS: '1' }, { databaseUrl });
    try {
      expect(await getRollout(after, r.id)).toMatchObject({ status: 'running', percentage: 50, currentStage: 2 });
      const done = await waitFor(
        'completion after restart',
        async () => {
          await report(after, r.id).catch(() => undefined);
          const current = await getRollout(after, r.id);
          return current.status === 'completed' ? current : undefined;
        },
        30_000,
        250,
      );
      expect(done.percentage).toBe(100);
      expect((await history(after, r.id)).map((h) => [h.action, h.toPercentage, h.actor])).toEqual([
        ['created', 0, 'admin'],
        ['started', 5, 'admin'],
        ['advanced', 25, 'scheduler'],
        ['advanced', 50, 'scheduler'],
        ['advanced', 75, 'scheduler'],
        ['advanced', 100, 'scheduler'],
        ['completed', 100, 'scheduler'],
      ]);
    } finally {
      await after.close();
    }
  });
});
