import { Client } from 'pg';
import { ManualClock } from '../../src/common/clock';
import { RolloutSchedulerService } from '../../src/rollouts/rollout-scheduler.service';
import { asAdmin, asClient, startTestApp, TestApp } from '../support/test-app';
import {
  countRows,
  createRollout,
  getRollout,
  HEALTHY_REPORT,
  history,
  HOUR_MS,
  LOCAL_WEBHOOKS,
  report,
  sendWebhooks,
  SHORT_STAGE_HOURS,
  startRollout,
  startWebhookReceiver,
  tick,
  waitFor,
  WebhookReceiver,
} from './rollouts-support';

const STAGE_MS = SHORT_STAGE_HOURS * HOUR_MS;

/** Every replica ticks at the same moment, `rounds` times: the races SKIP LOCKED must settle. */
async function tickAll(replicas: TestApp[], rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.all(replicas.map((replica) => tick(replica)));
}

/** Polls a replica until its check (from its cache) shows `percentage`: the change reached it through LISTEN/NOTIFY. */
async function checkShows(replica: TestApp, path: string, percentage: number): Promise<Record<string, any>> {
  return waitFor(`check at ${percentage} %`, async () => {
    const res = await replica.http.get(path).set(asClient).expect(200);
    return res.body.percentage === percentage ? res.body : undefined;
  });
}

/**
 * Three service instances on one database and one ManualClock, ticked all at once over and over:
 * every stage must still be advanced exactly once, whichever replica gets the row lock.
 */
describe(`${RolloutSchedulerService.name} with three replicas`, () => {
  let replicas: TestApp[];
  let db: Client;
  let hook: WebhookReceiver;
  const clock = new ManualClock(Date.now());

  beforeAll(async () => {
    hook = await startWebhookReceiver();
    const env = { ROLLOUT_WEBHOOK_URL: hook.url, ...LOCAL_WEBHOOKS };
    const first = await startTestApp(env, { clock });
    const others = [
      await startTestApp(env, { databaseUrl: first.databaseUrl, clock }),
      await startTestApp(env, { databaseUrl: first.databaseUrl, clock }),
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

  it('should advance each stage exactly once and complete once', async () => {
    const [a, b, c] = replicas;
    const r = await createRollout(a);
    await startRollout(b, r.id);
    for (let stage = 0; stage < 5; stage++) {
      // Reports arrive at whichever replica the load balancer picks.
      await report(replicas[stage % 3], r.id, HEALTHY_REPORT);
      await tickAll(replicas);
      clock.advance(STAGE_MS);
      await tickAll(replicas);
    }
    await tickAll(replicas); // more ticks on every replica after completion change nothing

    expect(await getRollout(c, r.id)).toMatchObject({ status: 'completed', percentage: 100, currentStage: 4 });
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
      expect(await checkShows(replica, `/api/v1/rollouts/${r.id}/check?userId=u-42`, 100)).toMatchObject({ useNewModel: true });
    }
  });

  it('should roll back exactly once, with one alert and one webhook call', async () => {
    const [a, b, c] = replicas;
    const r = await createRollout(a, { name: 'bad model', modelVersion: 'v-bad' });
    await startRollout(a, r.id);
    // Every replica caches the rollout at 5 % before the rollback.
    for (const replica of replicas) await replica.http.get(`/api/v1/rollouts/check/v-bad?userId=u-1`).set(asClient).expect(200);
    await report(b, r.id, { requests: 1000, errors: 300 });
    await tickAll(replicas);

    expect(await getRollout(c, r.id)).toMatchObject({ status: 'rolled_back', percentage: 0 });
    expect(await countRows(db, `SELECT count(*) FROM rollout_history WHERE rollout_id = $1 AND action = 'health_failed'`, [r.id])).toBe(1);
    expect(await countRows(db, `SELECT count(*) FROM rollout_history WHERE rollout_id = $1 AND action = 'rolled_back'`, [r.id])).toBe(1);
    const alerts = await a.http.get('/api/v1/alerts').set(asAdmin).expect(200);
    expect(alerts.body.items.filter((alert: any) => alert.subjectId === r.id)).toHaveLength(1);
    // Written to the outbox by the one replica that rolled it back, in its transaction.
    const deliveries = `SELECT count(*) FROM webhook_deliveries WHERE event = 'rollout.rolled_back' AND body::jsonb #>> '{data,rollout,id}' = $1`;
    expect(await countRows(db, deliveries, [r.id])).toBe(1);
    // Every replica's sender ticks at once: the delivery is claimed and POSTed by one of them only.
    await Promise.all(replicas.map((replica) => sendWebhooks(replica)));
    expect(hook.received.filter((d) => d.body.data.rollout.id === r.id)).toHaveLength(1);
    for (const replica of replicas) {
      expect(await checkShows(replica, `/api/v1/rollouts/check/v-bad?userId=u-1`, 0)).toMatchObject({ useNewModel: false });
    }
  });
});

describe(`${RolloutSchedulerService.name} across a restart`, () => {
  it('should continue a rollout from where it was after the service restarts', async () => {
    const clock = new ManualClock(Date.now());
    const before = await startTestApp({}, { clock });
    const r = await createRollout(before);
    await startRollout(before, r.id);
    for (const percentage of [25, 50]) {
      await report(before, r.id);
      clock.advance(STAGE_MS);
      await tick(before);
      expect((await getRollout(before, r.id)).percentage).toBe(percentage);
    }
    const databaseUrl = before.databaseUrl;
    await before.close({ keepDatabase: true });

    const after = await startTestApp({}, { databaseUrl, clock });
    try {
      expect(await getRollout(after, r.id)).toMatchObject({ status: 'running', percentage: 50, currentStage: 2 });
      for (let stage = 2; stage < 5; stage++) {
        await report(after, r.id);
        clock.advance(STAGE_MS);
        await tick(after);
      }
      expect(await getRollout(after, r.id)).toMatchObject({ status: 'completed', percentage: 100 });
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
