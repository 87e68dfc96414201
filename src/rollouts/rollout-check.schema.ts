import type { FastifySchema } from 'fastify';

/**
 * The 200 body of the two rollout checks (RolloutCheckResponse) as JSON Schema, for Fastify's
 * compiled response serializer (`@RouteSchema`). Every field, in its order; errors keep the default.
 */
export const ROLLOUT_CHECK_SCHEMA = {
  type: 'object',
  properties: {
    rolloutId: { type: 'string' },
    modelVersion: { type: 'string' },
    userId: { type: 'string' },
    useNewModel: { type: 'boolean' },
    percentage: { type: 'number' },
  },
} as const;

export const ROLLOUT_CHECK_ROUTE_SCHEMA: FastifySchema = { response: { 200: ROLLOUT_CHECK_SCHEMA } };
