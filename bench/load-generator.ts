/**
 * The load generator of `npm run bench`: autocannon in its own process (forked by bench/support.ts),
 * so the clients never share an event loop with the service or with the bench's own bookkeeping.
 * It receives one LoadSpec over IPC, runs it and sends back a LoadReport.
 *
 * Requests are described as data (functions cannot cross the IPC channel): `{user}` in the path
 * or body becomes a user id, `{n}` a number unique within the run.
 */
import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';

export interface LoadSpec {
  /** One URL, or several to spread the connections round-robin over several service instances. */
  urls: string[];
  method: 'GET' | 'POST';
  /** Path with optional `{user}` / `{n}` placeholders. */
  path: string;
  /** Body with optional `{user}` / `{n}` placeholders. */
  body?: string;
  /** Bodies sent one per request, in order, once each (then the run ends): fixed-size workloads. */
  bodies?: string[];
  headers?: Record<string, string>;
  /**
   * `{user}` = prefix + (i mod count) for 'cycle' (a pool of existing users), prefix + i for
   * 'sequence' (each once), prefix + a per-run random id + i for 'new' (never seen before).
   */
  users?: { prefix: string; count: number; mode: 'cycle' | 'sequence' | 'new' };
  connections: number;
  durationSeconds?: number;
  /** A fixed number of requests instead of a duration. */
  amount?: number;
  /** Requests per second over all connections (latencies then corrected for coordinated omission). */
  overallRate?: number;
}

export interface LoadReport {
  requests: number;
  ok: number;
  seconds: number;
  /** 2xx responses per second. */
  rate: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Connection errors + timeouts + non-2xx responses. */
  errors: number;
  statusCodes: Record<string, number>;
}

function placeholders(spec: LoadSpec): (template: string, n: number) => string {
  const users = spec.users;
  const prefix = users?.mode === 'new' ? `${users.prefix}${process.pid.toString(36)}${Date.now().toString(36)}-` : users?.prefix;
  return (template, n) => {
    let out = template;
    if (users && out.includes('{user}')) {
      const user = users.mode === 'cycle' ? prefix! + (n % users.count) : prefix! + n;
      out = out.split('{user}').join(user);
    }
    if (out.includes('{n}')) out = out.split('{n}').join(String(n));
    return out;
  };
}

export async function runLoad(spec: LoadSpec): Promise<LoadReport> {
  const fill = placeholders(spec);
  let next = 0;
  const headers = { 'content-type': 'application/json', ...spec.headers };
  const templated = spec.path.includes('{') || (spec.body ?? '').includes('{');
  const bodies = spec.bodies;

  const options: autocannon.Options = {
    url: spec.urls.length === 1 ? spec.urls[0] : (spec.urls as unknown as string),
    method: spec.method,
    connections: spec.connections,
    headers,
    timeout: 10,
    ...(bodies ? { amount: bodies.length } : spec.amount ? { amount: spec.amount } : { duration: spec.durationSeconds ?? 10 }),
    ...(spec.overallRate ? { overallRate: spec.overallRate } : {}),
    requests: [
      {
        method: spec.method,
        path: spec.path,
        body: spec.body,
        setupRequest: (request: autocannon.Request) => {
          const n = next++;
          if (bodies) return { ...request, body: bodies[n % bodies.length] };
          if (!templated) return request;
          return { ...request, path: fill(spec.path, n), body: spec.body === undefined ? undefined : fill(spec.body, n) };
        },
      },
    ],
  };
  // The returned promise is also autocannon's event emitter (its typings declare only one of the two).
  const instance = autocannon(options) as Promise<autocannon.Result> & autocannon.Instance;
  // autocannon reports the end of a fixed-amount run at its next 1-second tick, so a 2.3 s run
  // reads 3 s; such runs are timed here from the start to the last response instead.
  const fixedAmount = options.amount !== undefined;
  let startedAt = performance.now();
  let lastResponseAt = startedAt;
  if (fixedAmount) {
    // on/once return the instance, which the typings make a promise: it is awaited below.
    void instance.once('start', () => (startedAt = lastResponseAt = performance.now()));
    void instance.on('response', () => (lastResponseAt = performance.now()));
  }
  const result = await instance;
  const seconds = fixedAmount ? (lastResponseAt - startedAt) / 1000 : result.duration;
  const statusCodes: Record<string, number> = {};
  let ok = 0;
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) {
    statusCodes[code] = Number((stat as { count: number | string }).count);
    if (code.startsWith('2')) ok += statusCodes[code];
  }
  const requests = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  return {
    requests,
    ok,
    seconds,
    rate: ok / seconds,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    errors: result.errors + result.timeouts + result.non2xx,
    statusCodes,
  };
}

if (require.main === module && process.send) {
  process.once('message', (spec: LoadSpec) => {
    runLoad(spec).then(
      (report) => process.send!({ report }, () => process.exit(0)),
      (error: Error) => process.send!({ error: error.stack ?? error.message }, () => process.exit(1)),
    );
  });
}
