import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  createRunningExperiment,
  enrolThroughApi,
  freePort,
  LoadClients,
  PostgresServer,
  ServiceProcess,
  sleep,
  verifyAcknowledged,
} from './support';

/**
 * SIGTERM under load: requests already in flight complete with their normal answer, the process exits
 * 0 within its deadline, and everything acknowledged (before and during the drain) is stored.
 */
describe('SIGTERM under load', () => {
  let dataDir: string;
  let pg: PostgresServer;
  let service: ServiceProcess;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'experimentation-sigterm-'));
    pg = await PostgresServer.launch(dataDir);
    service = await ServiceProcess.start(await freePort(), { DATABASE_URL: pg.url });
  }, 180_000);

  afterAll(async () => {
    await service?.stop();
    await pg?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('should finish in-flight requests, exit 0 and keep everything acknowledged', async () => {
    const base = () => service.base;
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
    service.child.kill('SIGTERM');
    const exit = await service.exited;
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

    const stored = await verifyAcknowledged(pg.url, experimentId, load);
    expect(stored.assignments).toBe(load.ackedAssignments.size);
    process.stdout.write(
      `SIGTERM: ${inFlight.length} requests in flight completed with 200, exit 0 after ${exitedAt - signalledAt} ms; ` +
        `${load.ackedEvents.size} events and ${load.ackedAssignments.size} assignments acknowledged, all stored; statuses ${JSON.stringify(load.statuses())}\n`,
    );
  });
});
