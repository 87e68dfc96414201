import { ExperimentationClient } from './client';
import type { DefinedExperiment, Definitions } from './definitions';
import { compileExperiment, evaluateNewUser } from './evaluate';
import { bucket } from './bucketing/hash';

/** A fake service: definitions with an ETag, lookups from a map, exposures recorded. */
function fakeService(definitions: Definitions, enrolled: Record<string, Record<string, string>> = {}) {
  const calls: { method: string; path: string; body?: any; headers: Record<string, string> }[] = [];
  let current = definitions;
  let etag = '"v1"';
  const fetchImpl = (async (url: string, init: RequestInit = {}) => {
    const path = new URL(url).pathname;
    const headers = (init.headers ?? {}) as Record<string, string>;
    const body = init.body ? JSON.parse(init.body as string) : undefined;
    calls.push({ method: init.method ?? 'GET', path, body, headers });
    if (path === '/api/v1/sdk/definitions') {
      if (headers['if-none-match'] === etag) return new Response(null, { status: 304, headers: { etag } });
      return new Response(JSON.stringify(current), { status: 200, headers: { etag, 'content-type': 'application/json' } });
    }
    if (path === '/api/v1/sdk/assignments/lookup') {
      const experiment = current.experiments.find((e) => e.id === body.experiment)!;
      const known = enrolled[experiment.key] ?? {};
      const assignments = Object.fromEntries(body.userIds.filter((u: string) => known[u]).map((u: string) => [u, known[u]]));
      return Response.json({ experimentId: experiment.id, assignments });
    }
    if (path === '/api/v1/sdk/exposures')
      return Response.json({ accepted: body.exposures.length, duplicate: false, rejected: [], corrections: [] });
    return new Response('{}', { status: 404 });
  }) as typeof fetch;
  return {
    fetch: fetchImpl,
    calls,
    update(next: Definitions, tag: string) {
      current = next;
      etag = tag;
    },
  };
}

function experiment(overrides: Partial<DefinedExperiment> & Pick<DefinedExperiment, 'key'>): DefinedExperiment {
  const weights = overrides.variants?.map((v) => v.weight) ?? [0.5, 0.5];
  return {
    id: `00000000-0000-4000-8000-${String(overrides.key.length).padStart(12, '0')}`,
    status: 'running',
    hashSeed: 'seed',
    trafficAllocation: 1,
    allocationHighWater: 1,
    variants: weights.map((weight, i) => ({ name: `v${i}`, weight, config: { i } })),
    controlVariant: 'v0',
    winner: null,
    updatedAt: '2026-11-23T10:00:00.000Z',
    ...overrides,
  };
}

function client(service: ReturnType<typeof fakeService>): ExperimentationClient {
  return new ExperimentationClient({
    baseUrl: 'http://sdk.test',
    token: 't',
    fetch: service.fetch,
    stream: false,
    refreshSeconds: 3600,
    flushIntervalSeconds: 3600,
  });
}

describe(ExperimentationClient.name, () => {
  describe('the contract vectors (§3) through the SDK', () => {
    const vectors: [string, number, number, number][] = [
      ['a', 0.0505, 0, 0],
      ['b', 0.2696, -1, 1],
      ['user-1', 0.4232, -1, 1],
      ['user-2', 0.1367, -1, 0],
      ['42', 0.6563, -1, 2],
      ['ümlaut', 0.8077, -1, 2],
    ];

    it('should give the public buckets', () => {
      for (const [userId, expected] of vectors) expect(bucket('seed', userId)).toBe(expected);
      expect(bucket('foo', 'ab')).toBe(0.2575);
    });

    it('should assign the public variants', async () => {
      const halves = experiment({
        key: 'halves',
        trafficAllocation: 0.2,
        allocationHighWater: 0.2,
        variants: [0.5, 0.5].map((weight, i) => ({ name: `v${i}`, weight, config: {} })),
      });
      const thirds = experiment({ key: 'thirds-x', variants: [0.2, 0.3, 0.5].map((weight, i) => ({ name: `v${i}`, weight, config: {} })) });
      const sdk = client(fakeService({ experiments: [halves, thirds], rollouts: [] }));
      await sdk.ready();
      for (const [userId, , inHalves, inThirds] of vectors) {
        const a = sdk.assign('halves', userId);
        expect(a.variant?.name ?? null).toBe(inHalves < 0 ? null : `v${inHalves}`);
        expect(a.reason).toBe(inHalves < 0 ? 'not_in_traffic' : 'assigned');
        expect(sdk.assign('thirds-x', userId)).toMatchObject({ inExperiment: true, variant: { name: `v${inThirds}` }, reason: 'assigned' });
      }
      await sdk.close();
    });
  });

  describe('exactness', () => {
    it('should tell enrol, absent and ambiguous users apart from the definitions alone', () => {
      // seed "seed", weights [0.5, 0.5]: "a" 0.0505 (v0, 10 % into its range), "user-2" 0.1367 (v0, 27 %), "b" 0.2696 (v0, 54 %).
      const lowered = compileExperiment(experiment({ key: 'e', trafficAllocation: 0.2, allocationHighWater: 0.5 }));
      expect(evaluateNewUser(lowered, 'a')).toEqual({ kind: 'enrol', index: 0 });
      expect(evaluateNewUser(lowered, 'user-2')).toEqual({ kind: 'ambiguous', index: 0 });
      expect(evaluateNewUser(lowered, 'b')).toEqual({ kind: 'absent' });
      const paused = compileExperiment(experiment({ key: 'e', status: 'paused', trafficAllocation: 1, allocationHighWater: 0.2 }));
      // Raised while paused: nobody ran with 1, so "b" cannot hold an assignment.
      expect(evaluateNewUser(paused, 'a')).toEqual({ kind: 'ambiguous', index: 0 });
      expect(evaluateNewUser(paused, 'b')).toEqual({ kind: 'absent' });
    });

    it('should answer an ambiguous user as not enrolled once, look them up, and be exact from then on', async () => {
      const service = fakeService(
        { experiments: [experiment({ key: 'paused', status: 'paused', allocationHighWater: 1 })], rollouts: [] },
        { paused: { a: 'v0' } },
      );
      const sdk = client(service);
      await sdk.ready();
      expect(sdk.assign('paused', 'a')).toEqual({ inExperiment: false, variant: null, reason: 'paused' });
      expect(await sdk.assignAsync('paused', 'a')).toMatchObject({ inExperiment: true, variant: { name: 'v0' }, reason: 'sticky' });
      expect(sdk.assign('paused', 'a')).toMatchObject({ inExperiment: true, reason: 'sticky' });
      expect(await sdk.assignAsync('paused', 'b')).toEqual({ inExperiment: false, variant: null, reason: 'paused' });
      const lookups = service.calls.filter((c) => c.path.endsWith('/lookup')).length;
      // Remembered: no more lookups for either user.
      sdk.assign('paused', 'a');
      await sdk.assignAsync('paused', 'b');
      expect(service.calls.filter((c) => c.path.endsWith('/lookup')).length).toBe(lookups);
      await sdk.close();
    });

    it('should serve the winner, or control, of a completed experiment without reporting an exposure', async () => {
      const service = fakeService({
        experiments: [experiment({ key: 'won', status: 'completed', winner: 'v1' }), experiment({ key: 'ended', status: 'completed' })],
        rollouts: [],
      });
      const sdk = client(service);
      await sdk.ready();
      expect(sdk.assign('won', 'a')).toEqual({ inExperiment: false, variant: { name: 'v1', config: { i: 1 } }, reason: 'winner' });
      expect(sdk.assign('ended', 'a')).toEqual({ inExperiment: false, variant: { name: 'v0', config: { i: 0 } }, reason: 'completed' });
      expect(sdk.assign('draft-or-unknown', 'a')).toEqual({ inExperiment: false, variant: null, reason: 'not_running' });
      await sdk.flush();
      expect(service.calls.some((c) => c.path === '/api/v1/sdk/exposures')).toBe(false);
      await sdk.close();
    });
  });

  it('should answer not_ready before definitions, and refuse user ids the server would refuse', async () => {
    const service = fakeService({ experiments: [experiment({ key: 'e' })], rollouts: [] });
    const sdk = client(service);
    expect(sdk.assign('e', 'a')).toEqual({ inExperiment: false, variant: null, reason: 'not_ready' });
    await sdk.ready();
    expect(() => sdk.assign('e', '')).toThrow(RangeError);
    expect(() => sdk.assign('e', 'x'.repeat(257))).toThrow(RangeError);
    expect(() => sdk.assign('e', 'a\u0000')).toThrow(RangeError);
    await sdk.close();
  });

  it('should forget the remembered users of an experiment at once when the bound is reached, and still report their exposures', async () => {
    const service = fakeService({ experiments: [experiment({ key: 'e' })], rollouts: [] });
    const sdk = new ExperimentationClient({
      baseUrl: 'http://sdk.test',
      fetch: service.fetch,
      stream: false,
      refreshSeconds: 3600,
      flushIntervalSeconds: 3600,
      maxCachedUsers: 2,
    });
    await sdk.ready();
    for (const userId of ['a', 'b', 'c']) expect(sdk.assign('e', userId).reason).toBe('assigned');
    // "a" and "b" were forgotten when "c" came: decided again (same variant), first answer "assigned".
    expect(sdk.assign('e', 'a').reason).toBe('assigned');
    expect(sdk.assign('e', 'c').reason).toBe('sticky');
    await sdk.flush();
    const reported = service.calls.filter((c) => c.path === '/api/v1/sdk/exposures').flatMap((c) => c.body.exposures);
    expect(reported.reduce((sum: number, e: any) => sum + e.count, 0)).toBe(5);
    await sdk.close();
  });

  it('should aggregate exposures per user and report them in one batch with a batch id', async () => {
    const service = fakeService({ experiments: [experiment({ key: 'e' })], rollouts: [] });
    const sdk = client(service);
    await sdk.ready();
    for (let i = 0; i < 5; i++) sdk.assign('e', 'a');
    sdk.assign('e', 'b');
    await sdk.flush();
    const posts = service.calls.filter((c) => c.path === '/api/v1/sdk/exposures');
    expect(posts).toHaveLength(1);
    expect(posts[0].body.batchId).toMatch(/^[0-9a-f-]{36}$/);
    expect(posts[0].body.exposures.map((e: any) => [e.userId, e.variant, e.count])).toEqual([
      ['a', 'v0', 5],
      ['b', 'v0', 1],
    ]);
    await sdk.close();
  });

  it('should refetch with If-None-Match and tell listeners which keys changed', async () => {
    const service = fakeService({ experiments: [experiment({ key: 'e' }), experiment({ key: 'other' })], rollouts: [] });
    const sdk = client(service);
    await sdk.ready();
    const changes: unknown[] = [];
    sdk.onChange((change) => changes.push(change));
    await sdk.refresh();
    expect(service.calls.at(-1)!.headers['if-none-match']).toBe('"v1"');
    expect(changes).toEqual([]);
    service.update({ experiments: [experiment({ key: 'e', status: 'paused' }), experiment({ key: 'other' })], rollouts: [] }, '"v2"');
    await sdk.refresh();
    expect(changes).toEqual([{ experiments: ['e'], rollouts: [] }]);
    expect(sdk.stats().etag).toBe('"v2"');
    await sdk.close();
  });
});
