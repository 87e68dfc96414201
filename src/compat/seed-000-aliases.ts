import type { OpenAPIObject } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Seed-000 clients (the original phase-4.3 API) call `/api/experiments…` and
 * `/api/experiments/rollouts…`. Those paths are aliases of the /api/v1 routes: the URL is rewritten
 * before routing, so the alias runs the very same route (auth, validation, body limits, rate limit,
 * answers), and the answer says it is deprecated (`Deprecation: true`, `Link` to the successor).
 *
 * `/api/experiments/rollouts…` is tried first: a static segment, as Fastify itself would prefer it
 * over `/api/experiments/:idOrKey`. An experiment keyed `rollouts` is therefore reachable under
 * /api/v1 only.
 */
const SEED_EXPERIMENTS = '/api/experiments';
const SEED_ROLLOUTS = '/api/experiments/rollouts';
const V1_EXPERIMENTS = '/api/v1/experiments';
const V1_ROLLOUTS = '/api/v1/rollouts';

/** `rest` continues a path prefix when it is empty or starts a new segment or the query. */
const continuesPrefix = (rest: string): boolean => rest === '' || rest[0] === '/' || rest[0] === '?';

/** The /api/v1 URL a seed-000 URL stands for, or null when `url` is not a seed-000 path. */
export function seed000Successor(url: string): string | null {
  if (!url.startsWith(SEED_EXPERIMENTS)) return null;
  if (url.startsWith(SEED_ROLLOUTS) && continuesPrefix(url.slice(SEED_ROLLOUTS.length))) {
    return V1_ROLLOUTS + url.slice(SEED_ROLLOUTS.length);
  }
  const rest = url.slice(SEED_EXPERIMENTS.length);
  return continuesPrefix(rest) ? V1_EXPERIMENTS + rest : null;
}

/** Fastify's `rewriteUrl` option: seed-000 paths route as their /api/v1 successor. */
export function rewriteSeed000Url(request: { url?: string }): string {
  const url = request.url ?? '/';
  return seed000Successor(url) ?? url;
}

/**
 * Marks the answer to a seed-000 path as deprecated, with its successor. Called from the app's one
 * onRequest hook (app.setup.ts) rather than a hook of its own: the hot path pays one comparison.
 */
export function markSeed000(request: FastifyRequest, reply: FastifyReply): void {
  if (request.originalUrl === request.url) return;
  const successor = request.url.split('?', 1)[0];
  void reply.header('deprecation', 'true').header('link', `<${successor}>; rel="successor-version"`);
}

/** The seed-000 path of an /api/v1 path of the document, or null when it has none. */
export function seed000PathOf(v1Path: string): string | null {
  if (v1Path === V1_ROLLOUTS || v1Path.startsWith(`${V1_ROLLOUTS}/`)) return SEED_ROLLOUTS + v1Path.slice(V1_ROLLOUTS.length);
  if (v1Path === V1_EXPERIMENTS || v1Path.startsWith(`${V1_EXPERIMENTS}/`)) return SEED_EXPERIMENTS + v1Path.slice(V1_EXPERIMENTS.length);
  return null;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

type Responses = NonNullable<OpenAPIObject['paths'][string]['get']>['responses'];

function withDeprecationHeaders(responses: Responses, successor: string): Responses {
  const result: Responses = {};
  for (const [status, response] of Object.entries(responses)) {
    result[status] =
      response && status.startsWith('2') && !('$ref' in response)
        ? {
            ...response,
            headers: {
              ...response.headers,
              Deprecation: { description: 'Always `true`: this path is deprecated', schema: { type: 'string' } },
              Link: { description: `\`<${successor}>; rel="successor-version"\` (path parameters filled in)`, schema: { type: 'string' } },
            },
          }
        : response;
  }
  return result;
}

/** Adds each alias to the document as a deprecated copy of its /api/v1 operation. */
export function withSeed000Aliases(document: OpenAPIObject): OpenAPIObject {
  const aliases: OpenAPIObject['paths'] = {};
  for (const [path, item] of Object.entries(document.paths)) {
    const alias = seed000PathOf(path);
    if (alias === null) continue;
    const aliasItem: OpenAPIObject['paths'][string] = { ...item };
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      aliasItem[method] = {
        ...operation,
        operationId: operation.operationId ? `${operation.operationId}_seed000` : undefined,
        summary: `${operation.summary ?? ''} (seed-000 path; use ${method.toUpperCase()} ${path})`.trim(),
        deprecated: true,
        responses: withDeprecationHeaders(operation.responses, path),
      };
    }
    aliases[alias] = aliasItem;
  }
  return { ...document, paths: { ...document.paths, ...aliases } };
}
