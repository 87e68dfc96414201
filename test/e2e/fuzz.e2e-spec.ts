import fc from 'fast-check';
import { STATUS_CODES } from 'node:http';
import { Client } from 'pg';
import { ExposureBufferService } from '../../src/assignments/exposure-buffer.service';
import { ADMIN_TOKEN, asAdmin, CLIENT_TOKEN, startTestAppWithDatabase, TestApp } from '../support/test-app';

/**
 * Property-based bad input at every write route. The routes come from the OpenAPI document, so a
 * route added later is fuzzed without touching this file; SEEDS (below) gives a valid body per
 * route, which the generators then break. Properties, for every generated request:
 *  - never a 5xx;
 *  - every 4xx carries the contract's error body ({ statusCode, error, message });
 *  - a rejected request (4xx, or 2xx that accepted nothing) leaves the database byte-for-byte unchanged;
 *  - requests that are invalid by construction (wrong JSON type, unknown or prototype-polluting
 *    fields, malformed JSON, numbers as strings, Infinity) are rejected with a 4xx.
 * FUZZ_TRACE=1 prints every request and its status to stderr.
 */

// ── JSON text with the things JSON.stringify cannot write (-0, 1e309, __proto__ keys, deep nesting) ──

class Raw {
  constructor(readonly text: string) {}
}
class Entries {
  constructor(readonly entries: Array<[string, unknown]>) {}
}

function toJson(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (value instanceof Entries) return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (value !== null && typeof value === 'object') return toJson(new Entries(Object.entries(value)));
  return JSON.stringify(value) ?? 'null';
}

/** encodeURIComponent, except that lone surrogates (which it refuses) become invalid UTF-8 on purpose. */
function encode(value: string): string {
  return value
    .replace(/[\ud800-\udfff]/g, (unit, offset: number, whole: string) => {
      const code = unit.charCodeAt(0);
      const pairedAfter = code < 0xdc00 && /[\udc00-\udfff]/.test(whole[offset + 1] ?? '');
      const pairedBefore = code >= 0xdc00 && /[\ud800-\udbff]/.test(whole[offset - 1] ?? '');
      return pairedAfter || pairedBefore ? unit : '\u0001';
    })
    .split('\u0001')
    .map((part) => encodeURIComponent(part))
    .join('%ED%A0%80');
}

const nested = (depth: number, open: string, close: string, leaf = '1'): Raw => new Raw(open.repeat(depth) + leaf + close.repeat(depth));

// ── Routes ──

interface Fixtures {
  draftKey: string;
  runningKey: string;
  knownUser: string;
  rolloutId: string;
  modelVersion: string;
}

interface WriteRoute {
  method: 'post' | 'put' | 'patch' | 'delete';
  path: string; // OpenAPI form: /api/v1/experiments/{idOrKey}/assign
  hasBody: boolean;
}

/** Valid bodies to mutate, by "METHOD path". A route without an entry is fuzzed from `{}`. */
const SEEDS: Record<string, (f: Fixtures, n: number) => Record<string, unknown>> = {
  'POST /api/v1/experiments': (_f, n) => ({
    name: `Fuzz experiment ${n}`,
    variants: [
      { name: 'control', weight: 0.5, config: { color: 'blue' } },
      { name: 'green', weight: 0.5, config: { color: 'green' } },
    ],
    metrics: [{ name: 'purchase', type: 'conversion', goal: 'increase', role: 'primary' }],
    trafficAllocation: 1,
    minimumSampleSize: 100,
    confidenceLevel: 0.95,
  }),
  'PATCH /api/v1/experiments/{idOrKey}': () => ({ description: 'updated', minimumSampleSize: 200 }),
  'PUT /api/v1/experiments/{idOrKey}': () => ({ description: 'updated', confidenceLevel: 0.9 }),
  'PUT /api/v1/experiments/{idOrKey}/status': () => ({ status: 'paused' }),
  'POST /api/v1/experiments/{idOrKey}/{action}': () => ({ winner: 'control' }),
  'PUT /api/v1/experiments/{idOrKey}/{action}': () => ({ winner: 'control' }),
  'POST /api/v1/experiments/{idOrKey}/assign': (_f, n) => ({ userId: `fuzz-user-${n}`, attributes: { country: 'DE' } }),
  'POST /api/v1/decide': (_f, n) => ({ userId: `fuzz-user-${n}`, attributes: {} }),
  'POST /api/v1/experiments/{idOrKey}/track': (f, n) => ({ userId: f.knownUser, eventName: 'purchase', value: 19.9, eventId: `e-${n}` }),
  'POST /api/v1/experiments/conversions': (f) => ({ experimentId: f.runningKey, userId: f.knownUser, metricName: 'purchase', value: 1 }),
  'POST /api/v1/events/batch': (f, n) => ({
    events: [{ experiment: f.runningKey, userId: f.knownUser, eventName: 'purchase', eventId: `b-${n}` }],
  }),
  'POST /api/v1/rollouts': (_f, n) => ({
    name: `fuzz-rollout-${n}`,
    modelVersion: `fuzz-model-${n}`,
    schedule: {
      stages: [
        { percentage: 50, durationHours: 1 },
        { percentage: 100, durationHours: 1 },
      ],
    },
    healthThresholds: { maxErrorRate: 0.05, maxLatencyMs: 200, minAccuracy: null, minRequests: 10 },
  }),
  'PATCH /api/v1/rollouts/{id}': () => ({ description: 'updated' }),
  'PUT /api/v1/rollouts/{id}/percentage': () => ({ percentage: 12.5, reason: 'fuzz' }),
  'PUT /api/v1/rollouts/{id}/update': () => ({ percentage: 12.5, reason: 'fuzz' }),
  'POST /api/v1/rollouts/{id}/start': () => ({ reason: 'fuzz' }),
  'POST /api/v1/rollouts/{id}/pause': () => ({ reason: 'fuzz' }),
  'POST /api/v1/rollouts/{id}/rollback': () => ({ reason: 'fuzz' }),
  'POST /api/v1/rollouts/{id}/health': () => ({ requests: 100, errors: 1, latencyP95Ms: 120, labeled: 10, correct: 9 }),
  'POST /api/v1/rollouts/{id}/observations': () => ({ observations: [{ latencyMs: 120, error: false, correct: true }] }),
};

/** Fields that legitimately take several JSON types (the seed-000 shorthand), so a swap may be valid. */
const POLYMORPHIC = new Set(['trafficAllocation', 'variants', 'status']);

/** Path parameters that name one of a few verbs rather than a record. */
const PARAM_VALUES: Record<string, string[]> = {
  action: ['start', 'pause', 'resume', 'complete', 'stop'],
};

function pathFor(route: WriteRoute, f: Fixtures, useRunning: boolean, override?: string, pick = 0): string {
  return route.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    if (override !== undefined) return encode(override);
    if (Object.hasOwn(PARAM_VALUES, name)) return PARAM_VALUES[name][pick % PARAM_VALUES[name].length];
    if (name === 'idOrKey') return useRunning ? f.runningKey : f.draftKey;
    if (name === 'id' && route.path.startsWith('/api/v1/rollouts')) return f.rolloutId;
    if (name === 'modelVersion') return f.modelVersion;
    return '00000000-0000-4000-8000-000000000000';
  });
}

// ── Generators ──

interface BodyCase {
  label: string;
  text: string;
  contentType?: string;
  strict: boolean; // invalid by construction: must be a 4xx
}

const fieldValue = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
);

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** A value of another JSON type than `current`, never null (IsOptional lets null through on optional fields). */
function wrongTypeOf(current: unknown): fc.Arbitrary<unknown> {
  const type = jsonType(current);
  const options: fc.Arbitrary<unknown>[] = [];
  if (type !== 'string') options.push(fc.string({ maxLength: 30 }));
  if (type !== 'number') options.push(fc.integer(), fc.constantFrom(0.5, -1, 1e6));
  if (type !== 'boolean') options.push(fc.boolean());
  if (type !== 'array') options.push(fc.array(fieldValue, { maxLength: 3 }));
  if (type !== 'object') options.push(fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fieldValue, { maxKeys: 3 }));
  return fc.oneof(...options);
}

const weirdString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '‮evil‬', '💥🧪', 'ǅ̈́', '', ' ', '\n\t', "'; DROP TABLE experiments; --"),
  fc.integer({ min: 257, max: 300_000 }).map((n) => 'x'.repeat(n)),
);

const weirdNumber = fc.constantFrom(
  new Raw('-0'),
  new Raw('1e-400'),
  new Raw('9007199254740993'),
  new Raw('-9007199254740993'),
  new Raw('1.7976931348623157e308'),
  new Raw('0.1e1'),
  new Raw('-1'),
  new Raw('0'),
  new Raw('123456789012345678901234567890'),
);

const deep = fc
  .integer({ min: 50, max: 5000 })
  .chain((depth) => fc.constantFrom(nested(depth, '[', ']'), nested(depth, '{"a":', '}'), nested(depth, '[{"b":', '}]')));

const pollutingKey = fc.constantFrom('__proto__', 'constructor', 'prototype', '__defineGetter__', 'hasOwnProperty', 'toString');

/** fast-check prints counterexamples with this: the label and the start of the body, not 300 KB of it. */
function readable(c: BodyCase): BodyCase {
  return Object.assign(c, {
    [fc.toStringMethod]: () => `${c.label}${c.strict ? ' (strict)' : ''}: ${c.text.slice(0, 160)}${c.text.length > 160 ? '…' : ''}`,
  });
}

function bodyCases(seed: Record<string, unknown>, hasBody: boolean): fc.Arbitrary<BodyCase> {
  const keys = Object.keys(seed);
  const withField = (key: string, value: unknown): Entries => new Entries(Object.entries(seed).map(([k, v]) => [k, k === key ? value : v]));
  const seedText = toJson(seed);
  const cases: fc.Arbitrary<BodyCase>[] = [
    // Strict: invalid by construction.
    fc
      .string({ minLength: 1, maxLength: 20 })
      .filter((k) => !keys.includes(k) && k.trim().length > 0)
      .chain((key) =>
        fieldValue.map((value) => ({
          label: `unknown field ${JSON.stringify(key)}`,
          text: toJson(new Entries([...Object.entries(seed), [key, value]])),
          strict: hasBody,
        })),
      ),
    pollutingKey.chain((key) =>
      fc.constantFrom(
        {
          label: `top-level ${key}`,
          text: toJson(new Entries([...Object.entries(seed), [key, { polluted: true, isAdmin: true }]])),
          strict: hasBody || key === '__proto__' || key === 'constructor',
        },
        {
          label: `nested ${key}`,
          text: toJson(new Entries([...Object.entries(seed), ['nested', new Entries([[key, { polluted: true }]])]])),
          strict: hasBody || key === '__proto__',
        },
      ),
    ),
    fc.constantFrom(
      { label: 'truncated JSON', text: seedText.slice(0, Math.max(1, seedText.length - 3)), strict: true },
      { label: 'trailing comma', text: seedText.replace(/}$/, ',}'), strict: true },
      { label: 'NaN literal', text: '{"value": NaN}', strict: true },
      { label: 'single quotes', text: "{'userId': 'u'}", strict: true },
      { label: 'two documents', text: `${seedText}${seedText}`, strict: true },
      { label: 'comment', text: `/* hi */${seedText}`, strict: true },
      { label: 'empty body with JSON content type', text: '', strict: true },
      { label: 'text/plain body', text: seedText, contentType: 'text/plain', strict: true },
      { label: 'XML body', text: '<a>1</a>', contentType: 'application/xml', strict: true },
    ),
    // Weird: anything but a 5xx, and consistent.
    fc
      .constantFrom('null', '[]', '[{}]', '"string"', '42', 'true', '{}', '{"":""}')
      .map((text) => ({ label: `top-level ${text}`, text, strict: hasBody && text.startsWith('[') })),
    deep.map((value) => ({
      label: 'deeply nested unknown field',
      text: toJson(new Entries([...Object.entries(seed), ['deep', value]])),
      strict: hasBody,
    })),
    fc
      .record({ depth: fc.integer({ min: 1000, max: 20000 }) })
      .map(({ depth }) => ({ label: `nesting depth ${depth} as the body`, text: nested(depth, '[', ']').text, strict: false })),
    fc
      .constantFrom(
        'application/json; charset=utf-16',
        'application/json; charset=latin1',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/json-patch+json',
      )
      .map((contentType) => ({ label: `content type ${contentType}`, text: seedText, contentType, strict: false })),
    fc.jsonValue({ maxDepth: 4 }).map((value) => ({ label: 'random JSON document', text: JSON.stringify(value) ?? 'null', strict: false })),
  ];
  if (keys.length > 0) {
    const key = fc.constantFrom(...keys);
    cases.push(
      key.chain((k) =>
        wrongTypeOf(seed[k]).map((value) => ({
          label: `${k} of type ${jsonType(value)}`,
          text: toJson(withField(k, value)),
          strict: !POLYMORPHIC.has(k),
        })),
      ),
    );
    const numericKeys = keys.filter((k) => typeof seed[k] === 'number');
    if (numericKeys.length > 0) {
      cases.push(
        fc
          .constantFrom(...numericKeys)
          .chain((k) =>
            fc.constantFrom(
              { label: `${k} as a numeric string`, text: toJson(withField(k, String(seed[k]))), strict: true },
              { label: `${k} = 1e309 (Infinity)`, text: toJson(withField(k, new Raw('1e309'))), strict: true },
              { label: `${k} = -1e309`, text: toJson(withField(k, new Raw('-1e309'))), strict: true },
            ),
          ),
      );
    }
    cases.push(
      key.chain((k) =>
        weirdString.map((value) => ({
          label: `${k} = weird string (${value.length} chars)`,
          text: toJson(withField(k, value)),
          strict: false,
        })),
      ),
      key.chain((k) => weirdNumber.map((value) => ({ label: `${k} = ${value.text}`, text: toJson(withField(k, value)), strict: false }))),
      key.chain((k) => deep.map((value) => ({ label: `${k} deeply nested`, text: toJson(withField(k, value)), strict: false }))),
      key.chain((k) =>
        fc.jsonValue({ maxDepth: 3 }).map((value) => ({ label: `${k} = random JSON`, text: toJson(withField(k, value)), strict: false })),
      ),
      key.map((k) => ({
        label: `${k} removed`,
        text: toJson(new Entries(Object.entries(seed).filter(([name]) => name !== k))),
        strict: false,
      })),
    );
  }
  return fc.oneof(...cases).map(readable);
}

const weirdPathParam = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }),
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    'null',
    'undefined',
    '0',
    '-0',
    '..',
    '%',
    '\u0000',
    ' ',
    '00000000-0000-0000-0000-000000000000',
    'ffffffff-ffff-ffff-ffff-ffffffffffff',
  ),
  fc.integer({ min: 200, max: 700 }).map((n) => 'k'.repeat(n)),
);

// ── The harness ──

interface Response {
  statusCode: number;
  body: string;
  headers: Record<string, unknown>;
}

describe('Fuzz: malformed input at every write route', () => {
  let t: TestApp & { db: Client };
  let db: Client;
  let snapshotSql: string;
  let writeRoutes: WriteRoute[];
  let queryRoutes: Array<{ path: string; params: string[] }>;
  let executed = 0;
  const tally = { rejected: 0, accepted: 0 };
  let fixtureCount = 0;

  beforeAll(async () => {
    t = await startTestAppWithDatabase();
    db = t.db;

    // Every table's full contents as one hash per table: "unchanged" means byte-for-byte.
    const tables = (
      await db.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables
          WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' ORDER BY table_name`,
      )
    ).rows.map((row) => row.table_name);
    snapshotSql = `SELECT ${tables
      .map((name) => `(SELECT md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), '')) FROM "${name}" t) AS "${name}"`)
      .join(', ')}`;

    const document = JSON.parse((await inject('GET', '/docs-json', {})).body) as {
      paths: Record<string, Record<string, { requestBody?: unknown; parameters?: Array<{ in: string; name: string }> }>>;
    };
    writeRoutes = [];
    queryRoutes = [];
    for (const [path, operations] of Object.entries(document.paths)) {
      if (!path.startsWith('/api/')) continue;
      for (const [method, operation] of Object.entries(operations)) {
        if (method === 'post' || method === 'put' || method === 'patch' || method === 'delete') {
          writeRoutes.push({ method, path, hasBody: operation.requestBody !== undefined });
        }
        const query = (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
        // The event stream never ends by design, so a request to it has no response to check.
        if (method === 'get' && query.length > 0 && !path.endsWith('/stream')) queryRoutes.push({ path, params: query });
      }
    }
  });

  afterAll(async () => {
    await t.close();
  });

  function inject(method: string, url: string, headers: Record<string, string>, payload?: string): Promise<Response> {
    const fastify = t.app.getHttpAdapter().getInstance();
    return fastify.inject({ method: method.toUpperCase() as 'GET', url, headers, payload }) as unknown as Promise<Response>;
  }

  async function snapshot(): Promise<Record<string, string>> {
    // Exposure counts of sticky answers are written a moment later: settle them first.
    await t.app.get(ExposureBufferService).flush();
    return (await db.query<Record<string, string>>(snapshotSql)).rows[0];
  }

  async function fixtures(): Promise<Fixtures> {
    const n = ++fixtureCount;
    const create = async (key: string): Promise<void> => {
      const res = await inject(
        'POST',
        '/api/v1/experiments',
        { ...asAdmin, 'content-type': 'application/json' },
        toJson({ ...SEEDS['POST /api/v1/experiments'](null as never, n), name: key, key }),
      );
      if (res.statusCode !== 201) throw new Error(`fixture ${key}: ${res.statusCode} ${res.body}`);
    };
    const f: Fixtures = {
      draftKey: `fz-draft-${n}`,
      runningKey: `fz-running-${n}`,
      knownUser: 'known-user',
      rolloutId: '',
      modelVersion: `fz-model-${n}`,
    };
    await create(f.draftKey);
    await create(f.runningKey);
    await inject('POST', `/api/v1/experiments/${f.runningKey}/start`, asAdmin);
    const assigned = await inject(
      'POST',
      `/api/v1/experiments/${f.runningKey}/assign`,
      { ...asAdmin, 'content-type': 'application/json' },
      toJson({ userId: f.knownUser }),
    );
    if (assigned.statusCode !== 200) throw new Error(`fixture assign: ${assigned.body}`);
    const rollout = await inject(
      'POST',
      '/api/v1/rollouts',
      { ...asAdmin, 'content-type': 'application/json' },
      toJson({ ...SEEDS['POST /api/v1/rollouts'](f, n), name: `fz-rollout-${n}`, modelVersion: f.modelVersion }),
    );
    if (rollout.statusCode !== 201) throw new Error(`fixture rollout: ${rollout.statusCode} ${rollout.body}`);
    f.rolloutId = (JSON.parse(rollout.body) as { id: string }).id;
    await inject('POST', `/api/v1/rollouts/${f.rolloutId}/start`, asAdmin);
    return f;
  }

  /** Sends one request and checks every property; returns a description of the failure, if any. */
  async function check(
    method: string,
    url: string,
    headers: Record<string, string>,
    payload: string | undefined,
    strict: boolean,
    label: string,
  ): Promise<void> {
    const before = await snapshot();
    const t0 = Date.now();
    if (process.env.FUZZ_TRACE) process.stderr.write(`> ${method} ${url.slice(0, 150)} [${label}]\n`);
    const res = await inject(method, url, headers, payload);
    if (process.env.FUZZ_TRACE) process.stderr.write(`< ${res.statusCode} ${Date.now() - t0}ms\n`);
    executed++;
    const where = `${method.toUpperCase()} ${url.slice(0, 120)} [${label}]`;
    expect({ where, status: res.statusCode, serverError: res.statusCode >= 500 }).toEqual({
      where,
      status: res.statusCode,
      serverError: false,
    });

    let body: unknown = undefined;
    try {
      body = res.body.length > 0 ? JSON.parse(res.body) : undefined;
    } catch {
      body = res.body.slice(0, 200);
    }
    let acceptedNothing = false;
    if (res.statusCode >= 400) {
      tally.rejected++;
      expect({ where, body }).toEqual({
        where,
        body: expect.objectContaining({
          statusCode: res.statusCode,
          error: STATUS_CODES[res.statusCode],
          message: expect.stringMatching(/\S/),
        }),
      });
    } else {
      tally.accepted++;
      if (strict) {
        // Invalid by construction and still accepted: the contract says such input is a 400.
        expect({ where, status: res.statusCode, body }).toEqual({ where, status: '4xx expected', body });
      }
      acceptedNothing = typeof body === 'object' && body !== null && (body as { accepted?: unknown }).accepted === 0;
    }
    if (res.statusCode >= 400 || acceptedNothing) {
      expect({ where, database: await snapshot() }).toEqual({ where, database: before });
    }
  }

  it('should find the write routes in the OpenAPI document', () => {
    const names = writeRoutes.map((r) => `${r.method.toUpperCase()} ${r.path}`);
    for (const expected of [
      'POST /api/v1/experiments',
      'PATCH /api/v1/experiments/{idOrKey}',
      'PUT /api/v1/experiments/{idOrKey}/status',
      'POST /api/v1/experiments/{idOrKey}/assign',
      'POST /api/v1/decide',
    ]) {
      expect(names).toContain(expected);
    }
    expect(writeRoutes.length).toBeGreaterThanOrEqual(10);
  });

  // The route list is only known once the app runs, so one test walks all of them (a failure names
  // the route, the generated input and fast-check's seed to replay it).
  it('should survive malformed bodies and path parameters at every write route', async () => {
    const perRoute = Math.max(8, Math.ceil(240 / writeRoutes.length));
    for (const route of writeRoutes) {
      const key = `${route.method.toUpperCase()} ${route.path}`;
      const f = await fixtures();
      let n = 0;
      const seedFor = () => (SEEDS[key] ?? (() => ({})))(f, ++n + fixtureCount * 1000);
      const deleting = route.method === 'delete';
      await fc.assert(
        fc.asyncProperty(
          // Deleting a fixture is a legitimate success, so DELETE routes get only bad parameters.
          deleting ? fc.constant(null) : bodyCases(seedFor(), route.hasBody),
          fc.boolean(),
          deleting || !route.path.includes('{') ? fc.constant(undefined) : fc.option(weirdPathParam, { freq: 4 }),
          fc.nat(),
          async (bodyCase, useRunning, badParam, pick) => {
            const param = deleting ? 'no-such-thing-' + n++ : (badParam ?? undefined);
            const url = pathFor(route, f, useRunning, param, pick);
            const headers: Record<string, string> = { ...asAdmin };
            if (bodyCase !== null) headers['content-type'] = bodyCase.contentType ?? 'application/json';
            const label =
              bodyCase === null
                ? 'unknown id'
                : badParam !== null && badParam !== undefined
                  ? `${bodyCase.label}, path param ${JSON.stringify(badParam).slice(0, 40)}`
                  : bodyCase.label;
            await check(
              route.method,
              url,
              headers,
              bodyCase?.text,
              bodyCase?.strict === true && (badParam === null || badParam === undefined),
              label,
            );
          },
        ),
        { numRuns: perRoute },
      );
    }
  }, 120_000);

  it('should survive malformed query strings', async () => {
    const f = await fixtures();
    const value = fc.oneof(
      weirdString.map((s) => encode(s)),
      fc.constantFrom(
        'abc',
        '-1',
        '0',
        '-0',
        '501',
        '1e3',
        '1.5',
        '%20',
        '',
        '%00',
        '9999999999999999999999',
        'NaN',
        'Infinity',
        'true',
        '[]',
        '{}',
      ),
    );
    const query = (params: string[]) =>
      fc
        .array(
          fc.tuple(
            fc.oneof(
              fc.constantFrom(...params),
              fc.constantFrom('__proto__', 'constructor', '__proto__[admin]', 'userId[]', 'limit[gt]', 'x'),
            ),
            value,
          ),
          { minLength: 1, maxLength: 5 },
        )
        .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k).replace(/%5B/g, '[').replace(/%5D/g, ']')}=${v}`).join('&'));
    expect(queryRoutes.length).toBeGreaterThan(0);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...queryRoutes).chain((route) => query(route.params).map((qs) => ({ route, qs }))),
        fc.boolean(),
        async ({ route, qs }, useRunning) => {
          const url = `${pathFor({ method: 'post', path: route.path, hasBody: false }, f, useRunning)}?${qs}`;
          await check('get', url, { ...asAdmin }, undefined, false, `query ${qs.slice(0, 60)}`);
        },
      ),
      { numRuns: 60 },
    );
  }, 60_000);

  it('should survive malformed headers', async () => {
    const f = await fixtures();
    const header = fc.oneof(
      fc.constantFrom<Record<string, string>>(
        {},
        { authorization: 'Bearer' },
        { authorization: 'Bearer ' },
        { authorization: `Bearer ${ADMIN_TOKEN} extra` },
        { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` },
        { authorization: `bearer ${CLIENT_TOKEN}` },
        { authorization: `Bearer ${'t'.repeat(8000)}` },
        { authorization: `Bearer ${ADMIN_TOKEN}`, 'x-request-id': 'r'.repeat(4000) },
        { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-encoding': 'gzip' },
        { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-encoding': 'br, deflate' },
        { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-length': '5' },
        { authorization: `Bearer ${ADMIN_TOKEN}`, 'transfer-encoding': 'chunked' },
        { authorization: `Bearer ${ADMIN_TOKEN}`, accept: 'application/xml' },
        { authorization: `Bearer ${ADMIN_TOKEN}`, 'x-forwarded-for': 'not-an-ip, ::::, 999.1.1.1' },
      ),
      fc
        .string({ unit: 'binary-ascii', minLength: 1, maxLength: 60 })
        .filter((s) => /^[\x20-\x7e\t]*$/.test(s))
        .map((token) => ({ authorization: `Bearer ${token}` })),
    );
    const routes = writeRoutes.filter((r) => r.method === 'post' && SEEDS[`POST ${r.path}`] !== undefined);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), header, fc.boolean(), async (route, headers, useRunning) => {
        const url = pathFor(route, f, useRunning, undefined, fixtureCount);
        const payload = toJson(SEEDS[`POST ${route.path}`](f, ++fixtureCount * 1000));
        const hasToken = headers.authorization === `Bearer ${ADMIN_TOKEN}` || headers.authorization === `bearer ${CLIENT_TOKEN}`;
        // Without a valid token, nothing may be written: such a request must be a 401/403.
        await check(
          'post',
          url,
          { 'content-type': 'application/json', ...headers },
          payload,
          !hasToken,
          `headers ${Object.keys(headers).join(',')}`,
        );
      }),
      { numRuns: 50 },
    );
  }, 60_000);

  it('should have thrown at least 200 generated requests and rejected most of them', () => {
    expect(executed).toBeGreaterThanOrEqual(200);
    expect(tally.rejected).toBeGreaterThan(tally.accepted);
  });
});
