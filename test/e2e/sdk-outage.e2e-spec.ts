import { ExperimentationClient } from '../../sdk/src/client';
import { asAdmin, CLIENT_TOKEN, startTestApp, TestApp } from '../support/test-app';
import { waitFor } from './rollouts-support';
import { createExperiment, listen, synced, SwitchableProxy, users } from './sdk-support';

/** The service behind a proxy the test switches off and on: the SDK must keep deciding and lose nothing beyond its bound. */
describe('SDK outage', () => {
  let t: TestApp;
  let proxy: SwitchableProxy;
  const clients: ExperimentationClient[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    const base = await listen(t);
    proxy = new SwitchableProxy(Number(new URL(base).port));
    await proxy.up();
    // contract vectors, seed "seed", weights [0.2, 0.3, 0.5], allocation 1: "a" → control, "b" → v1, "42" → v2
    await createExperiment(t, { key: 'outage', hashSeed: 'seed', weights: [0.2, 0.3, 0.5], trafficAllocation: 1 });
  });
  afterAll(async () => {
    await proxy.up().catch(() => undefined);
    for (const client of clients) await client.close();
    await proxy.down();
    await t.close();
  });

  function newClient(options: Partial<ConstructorParameters<typeof ExperimentationClient>[0]> = {}): ExperimentationClient {
    const client = new ExperimentationClient({
      baseUrl: proxy.base,
      token: CLIENT_TOKEN,
      refreshSeconds: 3600,
      flushIntervalSeconds: 3600,
      requestTimeoutSeconds: 2,
      ...options,
    });
    clients.push(client);
    return client;
  }

  const rowsOf = async (key: string) => {
    const res = await t.http.get(`/api/v1/experiments/${key}/metrics`).set(asAdmin).expect(200);
    return res.body.variants.map((v: any) => ({
      name: v.name,
      users: v.users,
      exposures: v.exposures,
      purchases: v.metrics.purchase.count,
    }));
  };

  it('should reject ready() after its timeout and answer the fallback while the service is down at start, then recover', async () => {
    await proxy.down();
    const client = newClient({ readyTimeoutSeconds: 0.5 });
    await expect(client.ready()).rejects.toThrow(/definitions not loaded within 0.5 s/);
    expect(client.assign('outage', 'a')).toEqual({ inExperiment: false, variant: null, reason: 'not_ready' });
    expect(client.useNewModel('any-model', 'a')).toBe(false);

    await proxy.up();
    // Loading went on in the background.
    await waitFor('ready after recovery', async () => (client.isReady ? true : undefined), 10_000, 50);
    await client.ready();
    expect(client.assign('outage', 'a')).toMatchObject({ inExperiment: true, variant: { name: 'control' }, reason: 'assigned' });
    await client.flush();
  });

  it('should keep deciding through an outage and deliver buffered exposures and events after it, up to the bound', async () => {
    const client = newClient({ maxBufferedExposures: 50, maxBufferedEvents: 40 });
    await client.ready();
    await synced(t, client);
    expect(client.assign('outage', 'b')).toMatchObject({ inExperiment: true, variant: { name: 'v1' } });
    await client.flush();

    await proxy.down();
    // Decisions never wait for the service.
    expect(client.assign('outage', 'b')).toMatchObject({ inExperiment: true, variant: { name: 'v1' }, reason: 'sticky' });
    expect(client.assign('outage', '42')).toMatchObject({ inExperiment: true, variant: { name: 'v2' }, reason: 'assigned' });
    const during = users('down-', 80);
    for (const userId of during) expect(client.assign('outage', userId).inExperiment).toBe(true);
    for (const userId of during.slice(0, 45)) client.track('outage', userId, 'purchase');
    await expect(client.flush()).rejects.toThrow();
    // 'b' (already buffered), '42' and 48 of the 80 new users fill the 50 records; the rest are counted as dropped.
    expect(client.stats()).toMatchObject({ bufferedExposures: 50, droppedExposures: 32, bufferedEvents: 40, droppedEvents: 5 });

    // A change made during the outage reaches the client once it is back (stream reconnects, then refetches).
    await t.http.patch('/api/v1/experiments/outage').set(asAdmin).send({ description: 'changed while the SDK was cut off' }).expect(200);
    await proxy.up();
    await synced(t, client);
    await client.flush();
    expect(client.stats()).toMatchObject({ bufferedExposures: 0, bufferedEvents: 0, sentEvents: 40, rejectedEvents: 0 });

    const rows = await rowsOf('outage');
    const usersTotal = rows.reduce((sum: number, r: any) => sum + r.users, 0);
    // 'a' (first test), 'b', '42', and the 48 outage users whose records fit.
    expect(usersTotal).toBe(3 + 48);
    expect(rows.reduce((sum: number, r: any) => sum + r.purchases, 0)).toBe(40);
  });
});
