import type { FastifySchema } from 'fastify';

/**
 * The 200 body of assign and variant as JSON Schema, for Fastify's compiled response serializer
 * (`@RouteSchema`): fast-json-stringify writes it field by field instead of JSON.stringify walking
 * the object. Every field of AssignResult is listed, in its order; the variant's `config` is any
 * JSON (`{}`: serialized as JSON.stringify would). Errors (4xx/5xx) keep the default serializer.
 */
export const ASSIGN_RESULT_SCHEMA = {
  type: 'object',
  properties: {
    experimentId: { type: 'string' },
    experimentKey: { type: 'string' },
    userId: { type: 'string' },
    inExperiment: { type: 'boolean' },
    variant: {
      type: ['object', 'null'],
      properties: { name: { type: 'string' }, config: {} },
    },
    reason: { type: 'string' },
  },
} as const;

export const ASSIGN_ROUTE_SCHEMA: FastifySchema = { response: { 200: ASSIGN_RESULT_SCHEMA } };
