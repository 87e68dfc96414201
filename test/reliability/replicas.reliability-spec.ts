import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Answer, call, CLIENT, createRunningExperiment, eventually, freePort, PostgresServer, ServiceProcess } from './support';

/**
 * Three service processes on one PostgreSQL behind a round-robin client: stickiness across replicas,
 * a change made on one seen by the others within a second (LISTEN/NOTIFY), and a rollout whose
 * stages each advance once although every replica runs the scheduler every second.
 */
describe('Three replicas on one database', () => {
  let dataDir: string;
  let pg: PostgresServer;
  let replicas: ServiceProcess[] = [];

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'experimentation-replicas-'));
    pg = await PostgresServer.launch(dataDir);
    // Started together: the migrations run once, under the advisory lock.
    const ports = await Promise.all([freePort(), freePort(), freePort()]);
    replicas = await Promise.all(ports.map((port) => ServiceProcess.start(port, { DATABASE_URL: pg.url, ROLLOUT_TICK_SECONDS: '1' })));
  }, 180_000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await pg?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  const assign = (replica: ServiceProcess, key: string, userId: string): Promise<Answer> =>
    call(replica.base, 'POST', `/api/v1/experiments/${key}/assign`, { userId }, CLIENT);

  it('should keep every user in one variant whichever replica answers', async () => {
    await createRunningExperiment(replicas[0].base, 'replicas-sticky');
    const users = Array.from({ length: 300 }, (_, i) => `user-${i}`);
    const first = new Map<string, string>();
    // Round robin: user i first on replica i % 3, then on the two others.
    for (let pass = 0; pass < 3; pass++) {
      const answers = await Promise.all(users.map((userId, i) => assign(replicas[(i + pass) % 3], 'replicas-sticky', userId)));
      answers.forEach((answer, i) => {
        expect(answer.status).toBe(200);
        const body = answer.body as { variant: { name: string }; reason: string };
        if (pass === 0) {
          expect(body.reason).toBe('assigned');
          first.set(users[i], body.variant.name);
        } else {
          expect({ reason: body.reason, variant: body.variant.name }).toEqual({ reason: 'sticky', variant: first.get(users[i]) });
        }
      });
    }
    const variants = [...first.values()];
    expect(variants.filter((v) => v === 'control').length).toBeGreaterThan(100);
    expect(variants.filter((v) => v === 'treatment').length).toBeGreaterThan(100);
  });

  it('should show a change made on one replica on the others within one second', async () => {
    await createRunningExperiment(replicas[0].base, 'replicas-change');
    // Every replica has the experiment in its cache.
    for (const replica of replicas) expect((await assign(replica, 'replicas-change', 'warm')).status).toBe(200);

    let n = 0;
    const seenWithin = async (replica: ServiceProcess, reason: string, since: number): Promise<number> =>
      eventually(
        async () => {
          const answer = await assign(replica, 'replicas-change', `probe-${n++}`);
          return (answer.body as { reason: string }).reason === reason && Date.now() - since;
        },
        5000,
        `replica ${replica.port} seeing "${reason}"`,
      );

    let changedAt = Date.now();
    expect((await call(replicas[0].base, 'POST', '/api/v1/experiments/replicas-change/pause')).status).toBe(200);
    const paused = await Promise.all([seenWithin(replicas[1], 'paused', changedAt), seenWithin(replicas[2], 'paused', changedAt)]);

    changedAt = Date.now();
    expect((await call(replicas[1].base, 'POST', '/api/v1/experiments/replicas-change/resume')).status).toBe(200);
    const resumed = await Promise.all([seenWithin(replicas[0], 'assigned', changedAt), seenWithin(replicas[2], 'assigned', changedAt)]);

    for (const ms of [...paused, ...resumed]) expect(ms).toBeLessThan(1000);
    process.stdout.write(`replicas: pause seen after ${paused.join(', ')} ms, resume after ${resumed.join(', ')} ms\n`);
  });

  it('should advance each rollout stage exactly once with three schedulers ticking every second', async () => {
    const created = await call(replicas[0].base, 'POST', '/api/v1/rollouts', {
      name: 'replicas-rollout',
      modelVersion: 'ranker-v9',
      baselineVersion: 'ranker-v8',
      // 0.0005 h = 1.8 s per stage; no health thresholds, so stages advance on time alone.
      schedule: { stages: [10, 50, 100].map((percentage) => ({ percentage, durationHours: 0.0005 })) },
      healthThresholds: { maxErrorRate: null, maxLatencyMs: null, minAccuracy: null, minRequests: null },
    });
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    expect((await call(replicas[1].base, 'POST', `/api/v1/rollouts/${id}/start`, {})).status).toBe(200);

    const seen = new Set<number>();
    await eventually(
      async () => {
        // Each replica, asked in turn, serves the current percentage from its own cache.
        const check = await call(replicas[seen.size % 3].base, 'GET', `/api/v1/rollouts/check/ranker-v9?userId=u-1`, undefined, CLIENT);
        seen.add((check.body as { percentage: number }).percentage);
        const rollout = await call(replicas[2].base, 'GET', `/api/v1/rollouts/${id}`);
        return (rollout.body as { status: string }).status === 'completed';
      },
      30_000,
      'rollout completed',
    );
    const history = await call(replicas[0].base, 'GET', `/api/v1/rollouts/${id}/history`);
    const items = (Array.isArray(history.body) ? history.body : (history.body as { items: unknown[] }).items) as {
      action: string;
      toPercentage: number | null;
    }[];
    const steps = items.map((h) => `${h.action}:${h.toPercentage}`);
    expect(steps.filter((s) => s.startsWith('advanced'))).toEqual(['advanced:50', 'advanced:100']);
    expect(steps.filter((s) => s.startsWith('completed'))).toHaveLength(1);
    expect(steps.filter((s) => s.startsWith('started'))).toHaveLength(1);
    expect([...seen].every((p) => [10, 50, 100].includes(p))).toBe(true);
  });
});
