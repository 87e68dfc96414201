import { asAdmin, asClient, startTestApp, TestApp } from '../support/test-app';

/** Two application instances on one database, as two replicas behind a load balancer. */
describe('Experiments across replicas', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await startTestApp();
    b = await startTestApp({}, { databaseUrl: a.databaseUrl });
  });
  afterAll(async () => {
    await b.close({ keepDatabase: true });
    await a.close();
  });

  async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
      if (await check()) return Date.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`condition not met within ${timeoutMs} ms`);
  }

  it('should see a change made on one replica on the other within 1 s, and keep users sticky across both', async () => {
    await a.http
      .post('/api/v1/experiments')
      .set(asAdmin)
      .send({
        name: 'replicated',
        variants: [
          { name: 'control', weight: 0.5 },
          { name: 'green', weight: 0.5 },
        ],
        metrics: [{ name: 'purchase', type: 'conversion' }],
      })
      .expect(201);
    await a.http.post('/api/v1/experiments/replicated/start').set(asAdmin).expect(200);

    // B caches the running experiment, then A pauses it: B must notice through LISTEN/NOTIFY.
    const first = await b.http.post('/api/v1/experiments/replicated/assign').set(asClient).send({ userId: 'u-1' });
    expect(first.body.reason).toBe('assigned');
    const onA = await a.http.post('/api/v1/experiments/replicated/assign').set(asClient).send({ userId: 'u-1' });
    expect(onA.body).toMatchObject({ reason: 'sticky', variant: { name: first.body.variant.name } });

    await a.http.post('/api/v1/experiments/replicated/pause').set(asAdmin).expect(200);
    // A new user per poll: one enrolled by B before the notification arrived is rightly sticky
    // afterwards, and would hide the pause from a poll that reused it.
    let poll = 0;
    const elapsed = await waitFor(
      async () =>
        (
          await b.http
            .post('/api/v1/experiments/replicated/assign')
            .set(asClient)
            .send({ userId: `newcomer-${poll++}` })
        ).body.reason === 'paused',
      1000,
    );
    expect(elapsed).toBeLessThan(1000);
    // the enrolled user keeps their variant on both replicas while paused
    for (const replica of [a, b]) {
      const res = await replica.http.post('/api/v1/experiments/replicated/assign').set(asClient).send({ userId: 'u-1' });
      expect(res.body).toMatchObject({ inExperiment: true, variant: { name: first.body.variant.name } });
    }
  });
});
