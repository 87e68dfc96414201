import fc from 'fast-check';
import Fastify, { type FastifyInstance } from 'fastify';
import { ROLLOUT_CHECK_ROUTE_SCHEMA } from '../rollouts/rollout-check.schema';
import { ASSIGN_ROUTE_SCHEMA } from './assign-result.schema';
import { ASSIGN_REASONS } from './assignment.response';
import type { AssignResult } from './assignments.service';

/**
 * The hot routes' 200 bodies go through Fastify's compiled serializer (fast-json-stringify) built
 * from these schemas. Whatever the values (any Unicode in ids, lone surrogates, any JSON config),
 * the bytes must be exactly what JSON.stringify wrote before: no field dropped, renamed or coerced.
 */
async function serverFor(schema: typeof ASSIGN_ROUTE_SCHEMA, answer: { value: unknown }): Promise<FastifyInstance> {
  const app = Fastify();
  app.get('/', { schema }, async () => answer.value);
  await app.ready();
  return app;
}

const text = fc.string({ unit: 'binary', maxLength: 300 });
const reasons = fc.constantFrom(...ASSIGN_REASONS);

const assignResult: fc.Arbitrary<AssignResult> = fc.record({
  experimentId: fc.uuid(),
  experimentKey: text,
  userId: text,
  inExperiment: fc.boolean(),
  variant: fc.option(fc.record({ name: text, config: fc.dictionary(text, fc.jsonValue()) }), { nil: null }),
  reason: reasons,
});

describe('compiled response serializers of the hot routes', () => {
  const answer: { value: unknown } = { value: null };
  let assign: FastifyInstance;
  let check: FastifyInstance;

  beforeAll(async () => {
    assign = await serverFor(ASSIGN_ROUTE_SCHEMA, answer);
    check = await serverFor(ROLLOUT_CHECK_ROUTE_SCHEMA, answer);
  });
  afterAll(async () => {
    await assign.close();
    await check.close();
  });

  const sameBytes = async (app: FastifyInstance, value: unknown): Promise<void> => {
    answer.value = value;
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(JSON.stringify(value));
  };

  it.each([
    {
      experimentId: '3b2f0d3e-8c1a-4e4f-9a55-0b9e5a1c2d3e',
      experimentKey: 'checkout',
      userId: 'u-1',
      inExperiment: true,
      variant: { name: 'treatment', config: { color: 'green', nested: { list: [1, 'two', null, true] } } },
      reason: 'sticky',
    },
    {
      experimentId: 'x',
      experimentKey: 'k',
      userId: 'quote " backslash \\ nul-free \u2028',
      inExperiment: false,
      variant: null,
      reason: 'paused',
    },
    {
      experimentId: 'x',
      experimentKey: 'k',
      userId: '\ud800 lone surrogate',
      inExperiment: false,
      variant: { name: 'control', config: {} },
      reason: 'winner',
    },
  ])('assign: the same bytes as JSON.stringify (%#)', async (value) => {
    await sameBytes(assign, value);
  });

  it('assign: the same bytes as JSON.stringify for any answer', async () => {
    await fc.assert(
      fc.asyncProperty(assignResult, (value) => sameBytes(assign, value)),
      { numRuns: 200 },
    );
  });

  it('rollout check: the same bytes as JSON.stringify for any answer', async () => {
    const result = fc.record({
      rolloutId: fc.uuid(),
      modelVersion: text,
      userId: text,
      useNewModel: fc.boolean(),
      percentage: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.double({ min: 0, max: 100, noNaN: true })),
    });
    await fc.assert(
      fc.asyncProperty(result, (value) => sameBytes(check, value)),
      { numRuns: 200 },
    );
  });
});
