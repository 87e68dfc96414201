import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  call,
  createRunningExperiment,
  embeddedUrl,
  enrolThroughApi,
  freePort,
  LoadClients,
  ServiceProcess,
  sleep,
  verifyAcknowledged,
} from './support';

/**
 * `kill -9` of the service under load, then a restart on the same DATA_DIR (the embedded PostgreSQL
 * the killed process had started is still running, orphaned: the new process must take over).
 */
describe('kill -9 under load', () => {
  let dataDir: string;
  let port: number;
  let service: ServiceProcess | null = null;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'experimentation-crash-'));
    port = await freePort();
    service = await ServiceProcess.start(port, { DATA_DIR: dataDir });
  }, 180_000);

  afterAll(async () => {
    await service?.stop();
    // Whatever happened above, no PostgreSQL is left running on the temporary directory.
    const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
    if (fs.existsSync(pidFile)) {
      const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
      try {
        process.kill(pid, 'SIGINT');
        await sleep(2000);
      } catch {
        // already gone
      }
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('should refuse a second service on a DATA_DIR that a running service uses, leaving the first one alone', async () => {
    const second = ServiceProcess.start(await freePort(), { DATA_DIR: dataDir });
    await expect(second).rejects.toThrow(/DATA_DIR .* is in use by another running service/);
    expect((await call(`http://127.0.0.1:${port}`, 'GET', '/health')).status).toBe(200);
  });

  it('should keep every acknowledged event and assignment exactly once across the crash and restart', async () => {
    const base = () => `http://127.0.0.1:${port}`;
    const experimentId = await createRunningExperiment(base(), 'crash-checkout');
    const enrolled = await enrolThroughApi(base(), 'crash-checkout', 200);

    const load = new LoadClients({
      base,
      experimentKey: 'crash-checkout',
      enrolled,
      batchClients: 3,
      assignClients: 2,
      eventsPerBatch: 50,
    });
    await sleep(3000);
    const beforeKill = { events: load.ackedEvents.size, assignments: load.ackedAssignments.size };
    const postmasterPid = () => Number(fs.readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const orphan = postmasterPid();
    const killed = service!;
    killed.child.kill('SIGKILL');
    expect(await killed.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const killedAt = Date.now();

    // Same port, same DATA_DIR: the clients, retrying, reconnect by themselves.
    service = await ServiceProcess.start(port, { DATA_DIR: dataDir });
    const downMs = Date.now() - killedAt;
    await sleep(3000);
    await load.stop();

    const afterRestart = load.records.filter((r) => r.startedAt > killedAt + downMs && r.status !== 0);
    expect(afterRestart.length).toBeGreaterThan(0);
    expect(afterRestart.every((r) => r.status === 200)).toBe(true);
    expect(load.ackedEvents.size).toBeGreaterThan(beforeKill.events);
    expect(load.ackedAssignments.size).toBeGreaterThan(beforeKill.assignments);
    // Nothing but 200s and refused/reset connections while the process was gone: never a 5xx.
    expect(Object.keys(load.statuses()).filter((s) => s !== '200' && !s.startsWith('error:'))).toEqual([]);

    const stored = await verifyAcknowledged(embeddedUrl(dataDir), experimentId, load);
    expect(stored.events).toBeGreaterThanOrEqual(load.ackedEvents.size);
    expect(stored.assignments).toBe(load.ackedAssignments.size);
    // The orphaned PostgreSQL was stopped and a new one started by the new process.
    expect(postmasterPid()).not.toBe(orphan);
    expect(() => process.kill(orphan, 0)).toThrow();

    // And the restarted service still shuts down cleanly.
    const exit = await service.stop();
    service = null;
    expect(exit).toEqual({ code: 0, signal: null });
    process.stdout.write(
      `kill -9: ${load.ackedEvents.size} events and ${load.ackedAssignments.size} assignments acknowledged, all stored once; ` +
        `down ${downMs} ms; statuses ${JSON.stringify(load.statuses())}\n`,
    );
  });
});
