import { performance } from 'node:perf_hooks';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { ExperimentationClient, ExperimentationClientOptions } from '../sdk/src/client';
import { Api, CLIENT_TOKEN, createRunningExperiment, fmt, log, ScenarioResult, ServiceProcess, sleep } from './support';

/**
 * Scenario 8: the SDK (sdk/) deciding in this process, on one core (a plain loop on the main thread),
 * with the service as its backend for definitions and exposure reports. 8a/8b divide by the CPU time
 * the loop used (user + system), i.e. decisions per second of one core's time, so a machine shared
 * with other work does not understate them; the wall-clock rate is printed beside it.
 *   8a local assign, users already decided   ≥ 1,000,000 decisions/s  (a hash-free map lookup + exposure count)
 *   8b first decision for new users          ≥   500,000 decisions/s  (hash, ranges, remember, exposure record;
 *      default bounds, so the 1,000,000 new users pass the 500,000-user cache bound once)
 *   8c memory per remembered user            stated (bytes, user ids of ~12 characters included)
 *   8d exposure reporting at 50,000 decisions/s for BENCH_SDK_SECONDS (10): every decision reaches the
 *      server (its exposures and users equal what the SDK decided), nothing dropped
 */
const DECIDED_USERS = 100_000;
const STICKY_CALLS = 5_000_000;
const NEW_USERS = 1_000_000;
const MEMORY_USERS = 1_000_000;
const PACED_RATE = 50_000;

function newClient(service: ServiceProcess, options: Partial<ExperimentationClientOptions> = {}): ExperimentationClient {
  return new ExperimentationClient({
    baseUrl: service.base,
    token: CLIENT_TOKEN,
    stream: false,
    refreshSeconds: 3600,
    flushIntervalSeconds: 3600,
    maxBufferedExposures: 5_000_000,
    ...options,
  });
}

/** Runs `loop` and returns its rate per CPU second and per wall-clock second. */
function measure(count: number, loop: () => void): { cpuRate: number; wallRate: number } {
  const cpu = process.cpuUsage();
  const started = performance.now();
  loop();
  const wallSeconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { cpuRate: count / ((used.user + used.system) / 1e6), wallRate: count / wallSeconds };
}

function row(
  id: string,
  name: string,
  rate: number | null,
  unit: string,
  target: string,
  met: boolean | null,
  detail?: string,
): ScenarioResult {
  return { id, name, unit, rate, p50Ms: null, p99Ms: null, errors: 0, ratio: null, target, met, detail };
}

function collectGarbage(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

export async function sdkScenario(service: ServiceProcess, admin: Api): Promise<ScenarioResult[]> {
  const rows: ScenarioResult[] = [];
  await createRunningExperiment(admin, 'bench-sdk');

  // 8a / 8b: decisions in a tight loop, exposures only counted in memory (no flush during the loop).
  {
    const client = newClient(service);
    await client.ready();
    const decided = Array.from({ length: DECIDED_USERS }, (_, i) => `sdk-user-${i}`);
    for (const userId of decided) client.assign('bench-sdk', userId);
    let served = 0;
    // Warm-up, so the JIT has compiled the path being measured.
    for (let i = 0; i < 1_000_000; i++) if (client.assign('bench-sdk', decided[i % DECIDED_USERS]).inExperiment) served++;
    const sticky = measure(STICKY_CALLS, () => {
      for (let i = 0; i < STICKY_CALLS; i++) if (client.assign('bench-sdk', decided[i % DECIDED_USERS]).inExperiment) served++;
    });
    rows.push(
      row(
        '8a',
        `SDK assign, decided users (${fmt(DECIDED_USERS)})`,
        sticky.cpuRate,
        'decisions/s',
        '≥ 1,000,000/s',
        sticky.cpuRate >= 1_000_000,
        `8a: ${fmt(sticky.cpuRate)} per CPU second, ${fmt(sticky.wallRate)} per wall-clock second`,
      ),
    );

    // Calibration: what one new map entry costs here and now (memory-bound; a shared machine slows it most).
    const keys = Array.from({ length: NEW_USERS }, (_, i) => `calibration-${i}`);
    const map = new Map<string, { index: number }>();
    const mapRate = measure(NEW_USERS, () => {
      for (const key of keys) map.set(key, { index: 0 });
    }).cpuRate;
    map.clear();
    const fresh = Array.from({ length: NEW_USERS }, (_, i) => `sdk-new-${i}`);
    const first = measure(NEW_USERS, () => {
      for (let i = 0; i < NEW_USERS; i++) if (client.assign('bench-sdk', fresh[i]).inExperiment) served++;
    });
    rows.push(
      row(
        '8b',
        'SDK assign, first decision (new users)',
        first.cpuRate,
        'decisions/s',
        '≥ 500,000/s',
        first.cpuRate >= 500_000,
        `8b: ${fmt(first.cpuRate)} per CPU second, ${fmt(first.wallRate)} per wall-clock second; on this machine now, a bare Map.set of a new key runs at ${fmt(mapRate)}/CPU s`,
      ),
    );
    if (served === 0) throw new Error('the SDK served nobody');
    await client.close().catch(() => undefined);
    log(`  8a, 8b done`);
  }

  // 8c: heap held per remembered user (nothing buffered: the exposure bound is 0, so only the cache grows).
  {
    const gc = collectGarbage();
    const client = newClient(service, { maxBufferedExposures: 0, maxCachedUsers: 5_000_000 });
    await client.ready();
    client.assign('bench-sdk', 'warm-up');
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < MEMORY_USERS; i++) client.assign('bench-sdk', `sdk-mem-${i}`);
    gc();
    const perUser = (process.memoryUsage().heapUsed - before) / MEMORY_USERS;
    rows.push(
      row(
        '8c',
        `SDK memory per remembered user (${fmt(MEMORY_USERS)} users)`,
        perUser,
        'bytes',
        'stated',
        null,
        `8c: ${fmt(perUser)} bytes per remembered user, its id string (~13 characters) included: ${fmt((perUser * MEMORY_USERS) / 1024 / 1024)} MiB per million; the default bound is 500,000 users per experiment`,
      ),
    );
    await client.close().catch(() => undefined);
    log(`  8c done`);
  }

  // 8d: a steady 50,000 decisions/s (a fifth of them first decisions) with the default 1 s flush.
  {
    const seconds = Number(process.env.BENCH_SDK_SECONDS ?? 10);
    const experimentId = await createRunningExperiment(admin, 'bench-sdk-paced');
    // The default bounds, as a product backend would run it.
    const client = newClient(service, { flushIntervalSeconds: 1, maxBufferedExposures: undefined });
    await client.ready();
    const tickMs = 10;
    const perTick = (PACED_RATE * tickMs) / 1000;
    const distinct = new Set<string>();
    let decisions = 0;
    let exposures = 0;
    let maxBuffered = 0;
    let fresh = 0;
    const started = performance.now();
    for (let tick = 0; (tick * tickMs) / 1000 < seconds; tick++) {
      for (let i = 0; i < perTick; i++) {
        // Every fifth decision is a new user; the others come back.
        const userId = decisions % 5 === 0 || fresh < 1000 ? `paced-${fresh++}` : `paced-${(decisions * 7919) % fresh}`;
        const answer = client.assign('bench-sdk-paced', userId);
        decisions++;
        if (answer.inExperiment) {
          exposures++;
          distinct.add(userId);
        }
      }
      maxBuffered = Math.max(maxBuffered, client.stats().bufferedExposures);
      const wait = started + (tick + 1) * tickMs - performance.now();
      if (wait > 0) await sleep(wait);
      else await new Promise((resolve) => setImmediate(resolve));
    }
    const elapsed = (performance.now() - started) / 1000;
    const flushStarted = performance.now();
    await client.flush();
    const drainMs = performance.now() - flushStarted;
    const stats = client.stats();
    await client.close();
    const metrics = await admin.call<{ variants: { users: number; exposures: number }[] }>(
      'GET',
      `/api/v1/experiments/${experimentId}/metrics`,
    );
    const serverUsers = metrics.variants.reduce((sum, v) => sum + v.users, 0);
    const serverExposures = metrics.variants.reduce((sum, v) => sum + v.exposures, 0);
    const lost = exposures - serverExposures;
    const rate = decisions / elapsed;
    const met = rate >= PACED_RATE * 0.95 && lost === 0 && serverUsers === distinct.size && stats.droppedExposures === 0;
    rows.push(
      row(
        '8d',
        `SDK exposure reporting at ${fmt(PACED_RATE)} decisions/s (${seconds} s)`,
        rate,
        'decisions/s',
        'no loss',
        met,
        `8d: ${fmt(decisions)} decisions (${fmt(exposures)} exposures, ${fmt(distinct.size)} users) → server ${fmt(serverExposures)} exposures, ${fmt(serverUsers)} users; lost ${fmt(lost)}, dropped ${fmt(stats.droppedExposures)}, at most ${fmt(maxBuffered)} records buffered (bound ${fmt(500_000)}), last flush ${fmt(drainMs)} ms; the service absorbed ${fmt(stats.sentExposures / (elapsed + drainMs / 1000))} records/s`,
      ),
    );
    log(`  8d done`);
  }
  return rows;
}
