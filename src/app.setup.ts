import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, RequestListener } from 'node:http';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import type { Clock } from './common/clock';
import { errorBody } from './common/http-error.filter';
import { markSeed000, rewriteSeed000Url } from './compat/seed-000-aliases';
import { createRootLogger, registerRequestLog } from './common/request-log';
import type { AppConfig } from './config/app-config';
import { setupSwagger } from './docs/swagger';
import { registerHttpMetrics } from './metrics/http-metrics.hook';
import { MetricsService } from './metrics/metrics.service';
import { enableCors, registerSecurityHeaders } from './security/http-security';
import { registerJsonGuard } from './security/json-guard';

const MiB = 1024 * 1024;
const MAX_PARAM_LENGTH = 500;
const IDLE_SOCKET_TIMEOUT_MS = 120_000;
const KEEP_ALIVE_TIMEOUT_MS = 72_000;
export const DEFAULT_BODY_LIMIT = 1 * MiB;
export const LARGE_BODY_LIMIT = 10 * MiB;
// The two routes the contract lets carry up to 10 MiB, and the SDK's batches (up to 10,000 items each).
const LARGE_BODY_ROUTES = [/\/events\/batch$/, /\/rollouts\/:[^/]+\/observations$/, /\/sdk\/(exposures|assignments\/lookup)$/];

const PLAIN_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The caller's X-Request-Id when it is 1–64 of [A-Za-z0-9._-], else a fresh UUID. */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && PLAIN_REQUEST_ID.test(header) ? header : randomUUID();
}

/** Builds the Nest application exactly as production runs it; tests use this too. */
export async function createApp(config: AppConfig, databaseUrl: string, options: { clock?: Clock } = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: LARGE_BODY_LIMIT,
    // TRUST_PROXY (default off): request.ip is the socket address unless the hop comes from a trusted proxy.
    trustProxy: config.trustProxy,
    // A request (headers and body) must arrive within REQUEST_TIMEOUT_SECONDS, checked every second:
    // a body trickled a few bytes at a time is cut off (408). Sockets idle for 2 minutes are closed.
    // (Fastify does not pass connectionsCheckingInterval through, hence the factory; Node's is 30 s.)
    serverFactory: (handler: RequestListener) => {
      const server = createServer({ requestTimeout: config.requestTimeoutSeconds * 1000, connectionsCheckingInterval: 1000 }, handler);
      server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
      server.setTimeout(IDLE_SOCKET_TIMEOUT_MS);
      return server;
    },
    // One id per request in every log line and in the X-Request-Id response header.
    // A caller's X-Request-Id is kept only when short and plain; anything else is replaced.
    requestIdHeader: false,
    genReqId: (request: IncomingMessage) => requestIdFrom(request.headers['x-request-id']),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    rewriteUrl: rewriteSeed000Url,
    // Errors Fastify raises while routing, before Nest sees the request. Its built-in answer for an
    // over-long parameter is a 414 whose body says "Bad Request" and echoes the whole path.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const statusCode = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : error.code === 'FST_ERR_BAD_URL' ? 400 : 500;
      const message =
        statusCode === 414
          ? `A path parameter is longer than ${MAX_PARAM_LENGTH} characters`
          : statusCode === 400
            ? 'The URL is not valid (malformed percent-encoding)'
            : 'Internal error while routing the request';
      void reply.code(statusCode).send(errorBody(statusCode, message, statusCode === 400 ? 'INVALID_URL' : undefined));
    },
  });
  const fastify = adapter.getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    markSeed000(request, reply);
    done();
  });
  fastify.addHook('onRoute', (route) => {
    if (route.bodyLimit === undefined) {
      route.bodyLimit = LARGE_BODY_ROUTES.some((pattern) => pattern.test(route.url)) ? LARGE_BODY_LIMIT : DEFAULT_BODY_LIMIT;
    }
  });

  const logger = createRootLogger(config.logLevel);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, databaseUrl, logger, options.clock), adapter, {
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  // No app.enableShutdownHooks(): its signal handler would close the app a second time in parallel
  // with main.ts's graceful shutdown and then re-raise the signal (exit 143). main.ts owns signals.
  registerRequestLog(fastify, logger);
  registerHttpMetrics(fastify, app.get(MetricsService));
  registerJsonGuard(fastify);
  registerSecurityHeaders(fastify);
  enableCors(app, config);
  setupSwagger(app);

  return app;
}

export function logOpenModeWarning(config: AppConfig): void {
  if (config.openMode) {
    new NestLogger('Auth').warn(
      '!!! OPEN MODE: neither ADMIN_TOKEN nor CLIENT_TOKENS is set, every route is reachable without a token, so it listens on 127.0.0.1 unless HOST is set. Set ADMIN_TOKEN before exposing this service. !!!',
    );
  }
}
