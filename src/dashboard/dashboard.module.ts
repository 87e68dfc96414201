import send from '@fastify/send';
import { Injectable, Logger, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { cacheControlFor, locateDashboardDir, routeDashboardRequest } from './dashboard-routing';

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Dashboard not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem">
<h1>The dashboard has not been built</h1>
<p>Run <code>npm run build</code> (or <code>npm start</code>, which builds first) and reload this page.</p>
<p>The API is up: see <a href="/docs">/docs</a> and <a href="/health">/health</a>.</p>
</body></html>
`;

/**
 * Serves the single-page dashboard (dashboard/, built by Vite into dist/dashboard) at `/` as plain
 * Fastify routes: the page itself needs no token, the data it loads goes through the API with the
 * admin token. Files go out through @fastify/send, the engine of @fastify/static (root confinement,
 * ETag/304, HEAD, ranges): @fastify/static itself requires an ESM-only module that jest cannot
 * load. Files are read per request, so a rebuild is picked up without a restart.
 */
@Injectable()
export class DashboardStatic implements OnModuleInit {
  private readonly logger = new Logger('Dashboard');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const root = locateDashboardDir(__dirname);
    if (root === null)
      this.logger.warn('dist/dashboard is missing: run `npm run build` to build the dashboard; `/` explains this meanwhile');

    const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      const answer = routeDashboardRequest(request.url);
      if (answer.kind === 'not-found' || (root === null && answer.kind === 'file')) return reply.callNotFound();
      if (root === null) {
        return reply.code(200).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(NOT_BUILT_PAGE);
      }
      const file = answer.kind === 'index' ? 'index.html' : answer.file;
      const result = await send(request.raw, `/${encodeURI(file)}`, { root, index: false, dotfiles: 'deny', cacheControl: false });
      if (result.type !== 'file') {
        result.stream.destroy();
        // A missing file is the same JSON 404 as any unknown route.
        if (result.statusCode === 404 || result.type === 'directory') return reply.callNotFound();
        return reply.code(result.statusCode).send();
      }
      return reply.code(result.statusCode).headers(result.headers).header('cache-control', cacheControlFor(file)).send(result.stream);
    };
    // Unknown API paths fall through to Nest's JSON 404 (routeDashboardRequest never claims them).
    fastify.get('/', handler);
    fastify.get('/*', handler);
  }
}

@Module({ providers: [DashboardStatic] })
export class DashboardModule {}
