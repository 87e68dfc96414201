import { ChangeFeedService } from '../../src/database/change-feed.service';
import { asAdmin, asClient, startTestApp, TestApp } from '../support/test-app';
import { sleep, waitFor } from './rollouts-support';
import { createExperiment } from './sdk-support';

/** Two replicas on one database: a change made on one changes the other's ETag, by NOTIFY or at the latest after a second. */
describe('SDK definitions on several replicas', () => {
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    first = await startTestApp();
    second = await startTestApp({}, { databaseUrl: first.databaseUrl });
    await createExperiment(first, { key: 'replicated', hashSeed: 'r', weights: [0.5, 0.5], trafficAllocation: 1 });
  });
  afterAll(async () => {
    await second.close();
    await first.close();
  });

  const etagOn = async (t: TestApp) => (await t.http.get('/api/v1/sdk/definitions').set(asClient).expect(200)).headers.etag;

  it('should serve the same tag for the same definitions and change it on the other replica through the change feed', async () => {
    await waitFor('same tag on both', async () => ((await etagOn(first)) === (await etagOn(second)) ? true : undefined), 5000, 50);
    const before = await etagOn(second);
    await first.http.patch('/api/v1/experiments/replicated').set(asAdmin).send({ trafficAllocation: 0.5 }).expect(200);
    const after = await waitFor('new tag on the second replica', async () => {
      const tag = await etagOn(second);
      return tag !== before ? tag : undefined;
    });
    expect(after).toBe(await etagOn(first));
  });

  it('should change the tag within a second even when a notification is missed', async () => {
    const before = await etagOn(second);
    // The second replica stops hearing changes (as while its LISTEN connection reconnects).
    const feed = second.app.get(ChangeFeedService) as unknown as { emit: (change: unknown) => void };
    const emit = feed.emit;
    feed.emit = () => undefined;
    try {
      await first.http.patch('/api/v1/experiments/replicated').set(asAdmin).send({ trafficAllocation: 0.25 }).expect(200);
      await sleep(1000);
      expect(await etagOn(second)).not.toBe(before);
      expect(await etagOn(second)).toBe(await etagOn(first));
    } finally {
      feed.emit = emit;
    }
  });
});
