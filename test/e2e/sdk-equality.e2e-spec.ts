import { ExperimentationClient } from '../../sdk/src/client';
import type { Assignment } from '../../sdk/src/evaluate';
import { asAdmin, CLIENT_TOKEN, startTestApp, TestApp } from '../support/test-app';
import { createRollout, startRollout } from './rollouts-support';
import { createExperiment, listen, mapConcurrent, synced, users } from './sdk-support';

/**
 * Equality is the point: every experiment exists twice with the same seed, weights and allocation.
 * The twin "-sdk" is only ever asked through the SDK (local decisions, reported in batches), the
 * twin "-srv" only through the server's assign route, with the same users in the same order through
 * the same state changes. Every answer must be equal, and so must /metrics and /results.
 */
interface Spec {
  seed: string;
  weights: number[];
  allocation: number;
  lowered: number;
  raised: number;
  winner: string | null;
}

const SPECS: Spec[] = [
  { seed: 'alpha', weights: [0.5, 0.5], allocation: 0.9, lowered: 0.35, raised: 1, winner: 'v1' },
  { seed: 'beta-7', weights: [0.2, 0.3, 0.5], allocation: 0.6, lowered: 0.25, raised: 0.7, winner: null },
  { seed: 'gamma', weights: [0.1, 0.6, 0.3], allocation: 1, lowered: 0.05, raised: 0.5, winner: 'control' },
];

type Answer = [boolean, string | null, string];

const tuple = (a: Pick<Assignment, 'inExperiment' | 'variant' | 'reason'>): Answer => [a.inExperiment, a.variant?.name ?? null, a.reason];

// Thousands of answers through both paths on a shared 2-core machine.
jest.setTimeout(240_000);

describe('SDK equals the server', () => {
  let t: TestApp;
  let base: string;
  let client: ExperimentationClient;

  beforeAll(async () => {
    t = await startTestApp();
    base = await listen(t);
    for (const spec of SPECS) {
      for (const twin of ['sdk', 'srv']) {
        await createExperiment(t, {
          key: `${spec.seed}-${twin}`,
          hashSeed: spec.seed,
          weights: spec.weights,
          trafficAllocation: spec.allocation,
        });
      }
    }
    client = new ExperimentationClient({ baseUrl: base, token: CLIENT_TOKEN, refreshSeconds: 3600, flushIntervalSeconds: 3600 });
    await client.ready();
  });
  afterAll(async () => {
    await client.close();
    await t.close();
  });

  async function server(key: string, userId: string): Promise<Answer> {
    const res = await fetch(`${base}/api/v1/experiments/${key}/assign`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CLIENT_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userId }),
    });
    if (res.status !== 200) throw new Error(`assign ${key} ${userId}: ${res.status}`);
    return tuple((await res.json()) as Assignment);
  }

  /** Asks every user of `ids` through both twins; returns the disagreements (none expected). */
  async function compare(
    ids: string[],
    sdk: (key: string, userId: string) => Promise<Answer> | Answer = (k, u) => tuple(client.assign(k, u)),
  ) {
    const mismatches: unknown[] = [];
    for (const spec of SPECS) {
      const local: Answer[] = [];
      for (const userId of ids) local.push(await sdk(`${spec.seed}-sdk`, userId));
      const remote = await mapConcurrent(ids, 16, (userId) => server(`${spec.seed}-srv`, userId));
      ids.forEach((userId, i) => {
        if (JSON.stringify(local[i]) !== JSON.stringify(remote[i]))
          mismatches.push({ spec: spec.seed, userId, sdk: local[i], server: remote[i] });
      });
    }
    return mismatches;
  }

  async function both(action: (key: string) => Promise<unknown>): Promise<void> {
    for (const spec of SPECS) for (const twin of ['sdk', 'srv']) await action(`${spec.seed}-${twin}`);
    await synced(t, client);
  }

  async function metricsOf(key: string) {
    const res = await t.http.get(`/api/v1/experiments/${key}/metrics`).set(asAdmin).expect(200);
    return res.body.variants;
  }

  /** Users and exposures per variant, and per event name the counts, must be equal between the twins. */
  async function expectSameMetrics(): Promise<void> {
    await client.flush();
    for (const spec of SPECS) expect(await metricsOf(`${spec.seed}-sdk`)).toEqual(await metricsOf(`${spec.seed}-srv`));
  }

  const reasons = new Map<string, number>();
  function countReasons(ids: string[]): void {
    for (const spec of SPECS) {
      for (const userId of ids) {
        const { reason } = client.assign(`${spec.seed}-sdk`, userId);
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
    }
  }

  const U1 = users('u1-', 700);
  const U2 = users('u2-', 400);
  const U3 = users('u3-', 200);
  const U4 = users('u4-', 200);

  it('should agree while running, for new and returning users', async () => {
    expect(await compare(U1)).toEqual([]);
    expect(await compare(U1.slice(0, 200))).toEqual([]);
    await expectSameMetrics();
  });

  it('should count events and compute results the same way', async () => {
    const events = U1.filter((_, i) => i % 3 === 0).flatMap((userId, i) => [
      { userId, eventName: 'purchase' },
      { userId, eventName: 'revenue', value: (i % 50) + 0.5 },
    ]);
    for (const spec of SPECS) {
      for (const e of events) client.track(`${spec.seed}-sdk`, e.userId, e.eventName, e.value);
      const res = await t.http
        .post('/api/v1/events/batch')
        .set({ authorization: `Bearer ${CLIENT_TOKEN}` })
        .send({ events: events.map((e) => ({ experiment: `${spec.seed}-srv`, ...e })) })
        .expect(200);
      expect(res.body.accepted).toBeGreaterThan(0);
    }
    await expectSameMetrics();
    expect(client.stats()).toMatchObject({ bufferedEvents: 0, droppedEvents: 0 });
    for (const spec of SPECS) {
      const [a, b] = await Promise.all(
        [`${spec.seed}-sdk`, `${spec.seed}-srv`].map(
          async (key) => (await t.http.get(`/api/v1/experiments/${key}/results`).set(asAdmin).expect(200)).body,
        ),
      );
      for (const field of ['variants', 'srm', 'metrics', 'sampleSize', 'decision', 'winner']) expect(a[field]).toEqual(b[field]);
    }
  });

  it('should agree after the allocation was lowered (enrolled users keep their variant)', async () => {
    await both((key) =>
      t.http
        .patch(`/api/v1/experiments/${key}`)
        .set(asAdmin)
        .send({ trafficAllocation: SPECS.find((s) => key.startsWith(s.seed))!.lowered })
        .expect(200),
    );
    expect(await compare([...U1, ...U2])).toEqual([]);
    await expectSameMetrics();
  });

  it('should agree while paused (enrolled users keep theirs, nobody new enters)', async () => {
    await both((key) => t.http.post(`/api/v1/experiments/${key}/pause`).set(asAdmin).expect(200));
    expect(await compare([...U1, ...U2, ...U3])).toEqual([]);
    await expectSameMetrics();
  });

  it('should make a fresh client exact through assignAsync, and exact in sync after one lookup', async () => {
    const fresh = new ExperimentationClient({
      baseUrl: base,
      token: CLIENT_TOKEN,
      refreshSeconds: 3600,
      flushIntervalSeconds: 3600,
      stream: false,
    });
    try {
      await fresh.ready();
      const sample = U1.slice(0, 300);
      // Sync, before any lookup: a paused experiment, and the client has seen nobody, so every user
      // inside the high-water allocation is answered as not enrolled (documented); enrolled ones are the inexact answers.
      let inexact = 0;
      for (const spec of SPECS) {
        const lookup = await t.http
          .post('/api/v1/sdk/assignments/lookup')
          .set({ authorization: `Bearer ${CLIENT_TOKEN}` })
          .send({ experiment: `${spec.seed}-sdk`, userIds: sample })
          .expect(200);
        for (const userId of sample) {
          expect(tuple(fresh.assign(`${spec.seed}-sdk`, userId))).toEqual([false, null, 'paused']);
          if (Object.hasOwn(lookup.body.assignments, userId)) inexact++;
        }
      }
      expect(inexact).toBeGreaterThan(0);
      // assignAsync asks the server for those users once (no exposure counted for the lookup).
      expect(await compare(sample, (key, userId) => fresh.assignAsync(key, userId).then(tuple))).toEqual([]);
      // Now remembered: sync answers are exact too.
      expect(await compare(sample, (key, userId) => tuple(fresh.assign(key, userId)))).toEqual([]);
      await fresh.flush();
    } finally {
      await fresh.close();
    }
    await expectSameMetrics();
  });

  it('should agree after resuming and after raising the allocation', async () => {
    await both((key) => t.http.post(`/api/v1/experiments/${key}/resume`).set(asAdmin).expect(200));
    expect(await compare([...U1, ...U3, ...U4])).toEqual([]);
    await both((key) =>
      t.http
        .patch(`/api/v1/experiments/${key}`)
        .set(asAdmin)
        .send({ trafficAllocation: SPECS.find((s) => key.startsWith(s.seed))!.raised })
        .expect(200),
    );
    expect(await compare([...U1, ...U2, ...U3, ...U4])).toEqual([]);
    await expectSameMetrics();
  });

  it('should agree once completed, with and without a winner', async () => {
    await both((key) => {
      const winner = SPECS.find((s) => key.startsWith(s.seed))!.winner;
      return t.http
        .post(`/api/v1/experiments/${key}/complete`)
        .set(asAdmin)
        .send(winner ? { winner } : {})
        .expect(200);
    });
    expect(await compare([...U1, ...U2])).toEqual([]);
    await expectSameMetrics();
    countReasons([...U1, ...U2]);
    expect([...reasons.keys()].sort()).toEqual(['completed', 'winner']);
  });

  describe('rollouts', () => {
    const ids = users('r-', 1500);

    async function compareRollout(modelVersion: string): Promise<number> {
      await synced(t, client);
      const remote = await mapConcurrent(ids, 16, async (userId) => {
        const res = await t.http
          .get(`/api/v1/rollouts/check/${modelVersion}?userId=${userId}`)
          .set({ authorization: `Bearer ${CLIENT_TOKEN}` });
        return res.status === 200 ? (res.body.useNewModel as boolean) : false;
      });
      const local = ids.map((userId) => client.useNewModel(modelVersion, userId));
      expect(local.filter((v, i) => v !== remote[i]).length).toBe(0);
      return local.filter(Boolean).length;
    }

    it('should agree through every stage: percentages, paused, completed, rolled back', async () => {
      const rollout = await createRollout(t, { name: 'eq-ranker', modelVersion: 'ranker-v2', baselineVersion: 'ranker-v1' });
      expect(await compareRollout('ranker-v2')).toBe(0);
      await startRollout(t, rollout.id);
      const at5 = await compareRollout('ranker-v2');
      await t.http.put(`/api/v1/rollouts/${rollout.id}/percentage`).set(asAdmin).send({ percentage: 25.55, reason: 'eq' }).expect(200);
      const at25 = await compareRollout('ranker-v2');
      expect(at25).toBeGreaterThan(at5);
      await t.http.post(`/api/v1/rollouts/${rollout.id}/pause`).set(asAdmin).expect(200);
      expect(await compareRollout('ranker-v2')).toBe(at25);
      await t.http.post(`/api/v1/rollouts/${rollout.id}/resume`).set(asAdmin).expect(200);
      await t.http.put(`/api/v1/rollouts/${rollout.id}/percentage`).set(asAdmin).send({ percentage: 60, reason: 'eq' }).expect(200);
      expect(await compareRollout('ranker-v2')).toBeGreaterThan(at25);
      await t.http.post(`/api/v1/rollouts/${rollout.id}/promote`).set(asAdmin).expect(200);
      expect(await compareRollout('ranker-v2')).toBe(ids.length);
      // A new draft of the same version does not hide the completed rollout.
      await createRollout(t, { name: 'eq-ranker-next', modelVersion: 'ranker-v2', baselineVersion: 'ranker-v1' });
      expect(await compareRollout('ranker-v2')).toBe(ids.length);

      const other = await createRollout(t, { name: 'eq-search', modelVersion: 'search-v3', baselineVersion: 'search-v2' });
      await startRollout(t, other.id);
      await t.http.put(`/api/v1/rollouts/${other.id}/percentage`).set(asAdmin).send({ percentage: 30, reason: 'eq' }).expect(200);
      expect(await compareRollout('search-v3')).toBeGreaterThan(0);
      await t.http.post(`/api/v1/rollouts/${other.id}/rollback`).set(asAdmin).send({ reason: 'eq' }).expect(200);
      expect(await compareRollout('search-v3')).toBe(0);
    });
  });
});
