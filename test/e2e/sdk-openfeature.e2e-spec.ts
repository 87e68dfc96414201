import { ErrorCode, OpenFeature, ProviderEvents, StandardResolutionReasons } from '@openfeature/server-sdk';
import { ExperimentationClient } from '../../sdk/src/client';
import { ExperimentationProvider } from '../../sdk/src/provider';
import { asAdmin, CLIENT_TOKEN, startTestApp, TestApp } from '../support/test-app';
import { createRollout, startRollout, waitFor } from './rollouts-support';
import { createExperiment, listen, synced } from './sdk-support';

describe(ExperimentationProvider.name, () => {
  let t: TestApp;
  let client: ExperimentationClient;
  let rolloutId: string;

  beforeAll(async () => {
    t = await startTestApp();
    const base = await listen(t);
    // contract vectors, seed "seed", weights [0.2, 0.3, 0.5]: "a" → control, "b" → v1, "42" → v2
    await createExperiment(t, { key: 'of-exp', hashSeed: 'seed', weights: [0.2, 0.3, 0.5], trafficAllocation: 1 });
    const rollout = await createRollout(t, { name: 'of-rollout', modelVersion: 'ranker-v2', baselineVersion: 'ranker-v1' });
    rolloutId = rollout.id;
    await startRollout(t, rollout.id);
    await t.http.put(`/api/v1/rollouts/${rollout.id}/percentage`).set(asAdmin).send({ percentage: 50, reason: 'of' }).expect(200);
    client = new ExperimentationClient({ baseUrl: base, token: CLIENT_TOKEN, refreshSeconds: 3600 });
    await OpenFeature.setProviderAndWait(new ExperimentationProvider(client));
  });
  afterAll(async () => {
    await OpenFeature.close();
    await client.close();
    await t.close();
  });

  it('should resolve an experiment to the variant name and config, with variant and reason', async () => {
    const flags = OpenFeature.getClient();
    const details = await flags.getStringDetails('of-exp', 'none', { targetingKey: 'b' });
    expect(details).toMatchObject({ flagKey: 'of-exp', value: 'v1', variant: 'v1', reason: StandardResolutionReasons.SPLIT });
    expect(details.flagMetadata).toEqual({ inExperiment: true, assignReason: 'assigned' });
    expect(await flags.getObjectValue('of-exp', {}, { targetingKey: '42' })).toEqual({ index: 2, seed: 'seed' });
    expect(await flags.getStringValue('of-exp', 'none', { targetingKey: 'a' })).toBe('control');
    // The same answers the client gives, sticky now.
    expect(client.assign('of-exp', 'b')).toMatchObject({ reason: 'sticky', variant: { name: 'v1' } });
  });

  it('should resolve a model version to the rollout decision', async () => {
    const flags = OpenFeature.getClient();
    let on = 0;
    for (let i = 0; i < 200; i++) {
      const userId = `of-user-${i}`;
      const details = await flags.getBooleanDetails('ranker-v2', false, { targetingKey: userId });
      expect(details.value).toBe(client.useNewModel('ranker-v2', userId));
      expect(details.variant).toBe(details.value ? 'ranker-v2' : 'ranker-v1');
      expect(details.reason).toBe(StandardResolutionReasons.SPLIT);
      if (details.value) on++;
    }
    expect(on).toBeGreaterThan(50);
    expect(on).toBeLessThan(150);
  });

  it('should report errors the way the spec says', async () => {
    const flags = OpenFeature.getClient();
    expect(await flags.getStringDetails('no-such-experiment', 'fallback', { targetingKey: 'a' })).toMatchObject({
      value: 'fallback',
      reason: StandardResolutionReasons.ERROR,
      errorCode: ErrorCode.FLAG_NOT_FOUND,
    });
    expect(await flags.getStringDetails('of-exp', 'fallback', {})).toMatchObject({
      value: 'fallback',
      errorCode: ErrorCode.TARGETING_KEY_MISSING,
    });
    expect(await flags.getNumberDetails('of-exp', 7, { targetingKey: 'a' })).toMatchObject({
      value: 7,
      errorCode: ErrorCode.TYPE_MISMATCH,
    });
    expect(await flags.getBooleanDetails('unknown-model', true, { targetingKey: 'a' })).toMatchObject({
      value: true,
      errorCode: ErrorCode.FLAG_NOT_FOUND,
    });
  });

  it('should emit configuration changes and resolve the new state', async () => {
    const flags = OpenFeature.getClient();
    const changed: string[][] = [];
    flags.addHandler(ProviderEvents.ConfigurationChanged, (event) => changed.push(event?.flagsChanged ?? []));

    // Reported before the pause: a decision the server hears of only after it would not be enrolled (docs/sdk.md).
    await client.flush();
    await t.http.post('/api/v1/experiments/of-exp/pause').set(asAdmin).expect(200);
    await synced(t, client);
    await waitFor(
      'ConfigurationChanged for of-exp',
      async () => (changed.some((flags) => flags.includes('of-exp')) ? true : undefined),
      5000,
      20,
    );
    // Enrolled users keep their variant; a new user gets the default, the experiment being closed to them.
    const kept = await flags.getStringDetails('of-exp', 'none', { targetingKey: 'b' });
    expect(kept).toMatchObject({ value: 'v1', variant: 'v1', reason: StandardResolutionReasons.SPLIT });
    const outsider = await flags.getStringDetails('of-exp', 'none', { targetingKey: 'a-new-user' });
    expect(outsider).toMatchObject({ value: 'none', reason: StandardResolutionReasons.DISABLED });
    expect(outsider.flagMetadata.assignReason).toBe('paused');

    await t.http.post('/api/v1/experiments/of-exp/complete').set(asAdmin).send({ winner: 'v2' }).expect(200);
    await t.http.post(`/api/v1/rollouts/${rolloutId}/promote`).set(asAdmin).expect(200);
    await synced(t, client);
    await waitFor(
      'ConfigurationChanged for ranker-v2',
      async () => (changed.some((flags) => flags.includes('ranker-v2')) ? true : undefined),
      5000,
      20,
    );
    expect(await flags.getStringDetails('of-exp', 'none', { targetingKey: 'b' })).toMatchObject({
      value: 'v2',
      variant: 'v2',
      reason: StandardResolutionReasons.STATIC,
    });
    expect(await flags.getBooleanDetails('ranker-v2', false, { targetingKey: 'anyone' })).toMatchObject({
      value: true,
      variant: 'ranker-v2',
      reason: StandardResolutionReasons.STATIC,
    });
  });
});
