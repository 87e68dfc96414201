import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ERROR_CODES } from '../common/error-codes';
import { errorBody } from '../common/http-error.filter';
import { withSeed000Aliases } from '../compat/seed-000-aliases';
import { appVersion } from '../health/app-version';

export const DOCS_PATH = 'docs';
export const DOCS_JSON_PATH = 'docs-json';

export function buildOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Experimentation service')
    .setDescription(
      'A/B experiments, statistically sound results and staged model rollouts. ' +
        'Send `Authorization: Bearer <token>`: the admin token for everything, a client token for the runtime routes ' +
        '(assign, variant, decide, track, events, rollout checks and health reports). /health, /metrics and /docs need no token. ' +
        'Every 4xx/5xx has the body `{ statusCode, error, code, message, details? }` (ErrorBody; `code` is stable and machine-readable); 429 responses carry `Retry-After`. ' +
        'Operations marked deprecated are the seed-000 paths (`/api/experiments…` without `/v1`): they answer as their /api/v1 successor, with `Deprecation: true` and a `Link` to it.',
    )
    .setVersion(appVersion())
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN or one of CLIENT_TOKENS' })
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controllerKey: string, methodKey: string) => `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  return withSeed000Aliases(withErrorResponses(document));
}

const ERROR_SCHEMA = {
  type: 'object',
  required: ['statusCode', 'error', 'code', 'message'],
  additionalProperties: true,
  description:
    'Every 4xx/5xx answer. Some add fields: `status` and `allowed` (409 ILLEGAL_TRANSITION), `errorId` (500), `conflictingRolloutId`.',
  properties: {
    statusCode: { type: 'integer', example: 400 },
    error: { type: 'string', example: 'Bad Request' },
    code: {
      type: 'string',
      enum: Object.keys(ERROR_CODES),
      example: 'VALIDATION_FAILED',
      description: 'Stable, machine-readable: branch on it rather than on `message` (docs/api-errors.md)',
    },
    message: { type: 'string', example: 'variants[1].weight must be > 0' },
    details: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'problem'],
        properties: { field: { type: 'string', example: 'variants[1].weight' }, problem: { type: 'string', example: 'must be > 0' } },
      },
    },
  },
};

/**
 * Every API operation can answer with the contract's error body (§0): 400/401/403/404/409/413,
 * 429 with Retry-After, 503 while PostgreSQL is unavailable. Declared once here rather than on
 * each handler.
 */
function withErrorResponses(document: OpenAPIObject): OpenAPIObject {
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ErrorBody: ERROR_SCHEMA } };
  const content = { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } };
  for (const [path, item] of Object.entries(document.paths)) {
    if (!path.startsWith('/api/')) continue;
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item[method];
      if (!operation) continue;
      operation.responses = {
        ...operation.responses,
        '4XX': {
          description:
            'Invalid input (400), token missing or invalid (401), token lacks scope (403), not found (404), conflict (409), body too large (413)',
          content,
        },
        '429': {
          description: 'Rate limited: RATE_LIMIT_PER_MINUTE per token (or IP) exceeded',
          headers: { 'Retry-After': { description: 'Seconds until the next request is allowed', schema: { type: 'integer' } } },
          content,
        },
        '503': {
          description: 'Database unavailable; retry after Retry-After seconds',
          headers: { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } },
          content,
        },
      };
    }
  }
  return document;
}

// The files of swagger-ui-dist the page loads; nothing else from that folder is served.
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

function page(base: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <title>Experimentation service API</title>
  <link rel="stylesheet" type="text/css" href="${base}swagger-ui.css">
  <link rel="icon" type="image/png" href="${base}favicon-32x32.png" sizes="32x32">
  <style>body { margin: 0 } .swagger-ui .topbar { display: none }</style>
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${base}swagger-ui-bundle.js" charset="UTF-8"></script>
  <script src="${base}swagger-ui-standalone-preset.js" charset="UTF-8"></script>
  <script src="${base}swagger-ui-init.js" charset="UTF-8"></script>
</body>
</html>
`;
}

// A separate file, not an inline <script>: the CSP allows scripts from this origin only.
// The document URL is derived from the page's own path, so the UI works behind a path prefix too.
const INIT_JS = `window.onload = function () {
  var prefix = window.location.pathname.replace(/\\/docs\\/?(index\\.html)?$/, '');
  window.ui = SwaggerUIBundle({
    url: prefix + '/${DOCS_JSON_PATH}',
    dom_id: '#swagger-ui',
    deepLinking: true,
    persistAuthorization: false,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'BaseLayout'
  });
};
`;

/**
 * Swagger UI at /docs and the OpenAPI 3 document at /docs-json, both public: they are plain Fastify
 * routes, so neither the auth guard nor the rate limiter applies. The document is built on first
 * request, once every module has registered its routes.
 *
 * The UI page is served here rather than by SwaggerModule's `ui` option, which pulls in
 * @fastify/static; that package depends on an ESM-only module that jest (CommonJS) cannot load,
 * so the e2e tests could not boot the real app. These five files are all the page needs.
 */
export function setupSwagger(app: NestFastifyApplication): void {
  SwaggerModule.setup(DOCS_PATH, app, () => buildOpenApiDocument(app), {
    ui: false,
    raw: ['json'],
    jsonDocumentUrl: DOCS_JSON_PATH,
  });

  const assetsDir = (require('swagger-ui-dist') as { getAbsoluteFSPath(): string }).getAbsoluteFSPath();
  const cache = new Map<string, Buffer>();
  const fastify = app.getHttpAdapter().getInstance();

  const servePage = (request: FastifyRequest, reply: FastifyReply): void => {
    // `/docs` loads `docs/…`, `/docs/` loads `…`: both resolve to /docs/<file>.
    const base = request.url.split('?')[0].endsWith('/') ? './' : `./${DOCS_PATH}/`;
    void reply.type('text/html; charset=utf-8').send(page(base));
  };
  fastify.get(`/${DOCS_PATH}`, servePage);
  fastify.get(`/${DOCS_PATH}/index.html`, servePage);
  fastify.get(`/${DOCS_PATH}/swagger-ui-init.js`, (_request, reply) => {
    void reply.type('application/javascript; charset=utf-8').send(INIT_JS);
  });
  fastify.get<{ Params: { asset: string } }>(`/${DOCS_PATH}/:asset`, (request, reply) => {
    const { asset } = request.params;
    const type = Object.hasOwn(ASSETS, asset) ? ASSETS[asset] : undefined;
    if (type === undefined) {
      void reply.status(404).send(errorBody(404, `No such documentation asset: ${asset}`));
      return;
    }
    let content = cache.get(asset);
    if (content === undefined) {
      content = fs.readFileSync(path.join(assetsDir, asset));
      cache.set(asset, content);
    }
    void reply.type(type).header('Cache-Control', 'public, max-age=86400').send(content);
  });
}
