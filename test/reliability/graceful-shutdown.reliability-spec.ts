import { createRunningExperiment, enrolThroughApi, LoadClients, serviceOnOwnPostgres, sleep, verifyAcknowledged } from './support';

/**
 * SIGTERM under load: requests already in flight complete with their normal answer, the process exits
 * 0 within its deadline, and everything acknowledged (before and during the drain) is stored.
 */
describe('SIGTERM under load', () => {
  const suite = serviceOnOwnPostgres('sigterm');

  it('should finish in-flight requests, exit 0 and keep everything acknowledged', async () => {
    const base = () => suite.service.base;
    const experimentId = await createRunningExperiment(base(), 'sigterm-checkout');
    const enrolled = await enrolThroughApi(base(), 'sigterm-checkout', 200);
    // Larger batches than elsewhere, so several requests are in flight at any moment.
    const load = new LoadClients({
      base,
      experimentKey: 'sigterm-checkout',
      enrolled,
      batchClients: 4,
      assignClients: 2,
      eventsPerBatch: 500,
    });
    await sleep(3000);

    const signalledAt = Date.now();
    suite.service.child.kill('SIGTERM');
    const exit = await suite.service.exited;
    const exitedAt = Date.now();
    await load.stop();

    expect(exit).toEqual({ code: 0, signal: null });
    expect(exitedAt - signalledAt).toBeLessThan(10_000);
    // In flight when the signal came: started before it, answered after it. Every one completed normally.
    const inFlight = load.records.filter((r) => r.startedAt < signalledAt && r.endedAt >= signalledAt);
    expect(inFlight.length).toBeGreaterThan(0);
    expect(inFlight.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    // Later requests were refused (503 from the closing server, or no connection) — never a 500.
    const statuses = Object.keys(load.statuses());
    expect(statuses.filter((s) => s !== '200' && s !== '503' && !s.startsWith('error:'))).toEqual([]);

    const stored = await verifyAcknowledged(suite.pg.url, experimentId, load);
    expect(stored.assignments).toBe(load.ackedAssignments.size);
    process.stdout.write(
      `SIGTERM: ${inFlight.length} requests in flight completed with 200, exit 0 after ${exitedAt - signalledAt} ms; ` +
        `${load.ackedEvents.size} events and ${load.ackedAssignments.size} assignments acknowledged, all stored; statuses ${JSON.stringify(load.statuses())}\n`,
    );
  });
});
