import {
  call,
  createRunningExperiment,
  enrolThroughApi,
  eventually,
  LoadClients,
  serviceOnOwnPostgres,
  sleep,
  verifyAcknowledged,
} from './support';

/**
 * PostgreSQL stopped under load and started again, with the service left alone: requests fail fast
 * with 503 (never a 500, never a hang), /health says the database is down, and once PostgreSQL is
 * back the service serves again by itself, with every acknowledged write stored exactly once.
 */
describe('PostgreSQL outage under load', () => {
  const suite = serviceOnOwnPostgres('outage');

  it('should answer 503 fast while PostgreSQL is down and recover without a restart, losing nothing acknowledged', async () => {
    const base = () => suite.service.base;
    const experimentId = await createRunningExperiment(base(), 'outage-checkout');
    const enrolled = await enrolThroughApi(base(), 'outage-checkout', 200);
    // A client deadline well above the pool's 5 s connection timeout: a hang shows up as status 0 "timeout".
    const load = new LoadClients({
      base,
      experimentKey: 'outage-checkout',
      enrolled,
      batchClients: 3,
      assignClients: 2,
      eventsPerBatch: 50,
      timeoutMs: 8000,
    });
    await sleep(2000);

    const stoppedAt = Date.now();
    await suite.pg.command('stop');
    const health = await eventually(
      async () => {
        const res = await call(base(), 'GET', '/health');
        return res.status === 503 ? res : null;
      },
      10_000,
      '/health reporting the database down',
    );
    expect(health.body).toMatchObject({ status: 'error', database: 'down' });
    await sleep(3000);
    const downRequests = load.records.filter((r) => r.startedAt > stoppedAt + 1000);
    const restartedAt = Date.now();
    await suite.pg.command('start');

    // Back by itself: /health up and writes acknowledged again, same process.
    const recoveredMs = await eventually(
      async () => (await call(base(), 'GET', '/health')).status === 200 && Date.now() - restartedAt,
      30_000,
      'recovery',
    );
    const ackedAtRestart = load.ackedEvents.size;
    await eventually(async () => load.ackedEvents.size > ackedAtRestart + 500, 30_000, 'batches acknowledged after recovery');
    await sleep(1000);
    await load.stop();
    expect(suite.service.running).toBe(true);

    // While down: new users and event batches were refused with 503 (sticky users already in memory may still be served).
    const downStatuses = new Set(downRequests.map((r) => r.status));
    expect(downRequests.filter((r) => r.kind === 'batch').length).toBeGreaterThan(0);
    expect([...downStatuses].every((s) => s === 503 || s === 200)).toBe(true);
    expect(downRequests.filter((r) => r.kind === 'batch').every((r) => r.status === 503)).toBe(true);
    // Over the whole run: only 2xx and 503, each answered well within the client's deadline.
    expect(Object.keys(load.statuses()).sort()).toEqual(['200', '503']);
    const slowest = Math.max(...load.records.map((r) => r.endedAt - r.startedAt));
    expect(slowest).toBeLessThan(7000);

    const stored = await verifyAcknowledged(suite.pg.url, experimentId, load);
    expect(stored.assignments).toBe(load.ackedAssignments.size);
    process.stdout.write(
      `outage: ${downRequests.length} requests while down (${JSON.stringify(load.statuses((r) => r.startedAt > stoppedAt + 1000 && r.startedAt < restartedAt))}), ` +
        `recovered ${recoveredMs} ms after PostgreSQL started, slowest answer ${slowest} ms; ` +
        `${load.ackedEvents.size} events and ${load.ackedAssignments.size} assignments acknowledged, all stored once\n`,
    );
  });
});
