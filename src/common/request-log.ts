import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Params } from 'nestjs-pino';
import pino, { type Logger as PinoInstance } from 'pino';
import type { LogLevel } from '../config/app-config';

/** Removes `?token=` (accepted by the event stream) from logged URLs: tokens are never logged. */
export function redactUrl(url: string | undefined): string | undefined {
  return url?.replace(/([?&]token=)[^&]*/g, '$1[redacted]');
}

/** The process's one pino instance: JSON lines on stdout, authorization and cookies never written. */
export function createRootLogger(level: LogLevel): PinoInstance {
  return pino({ level, redact: ['req.headers.authorization', 'req.headers.cookie'] });
}

/**
 * nestjs-pino without its per-request middleware. The middleware (pino-http plus an
 * AsyncLocalStorage scope per request) cost about a quarter of a sticky assign's CPU time even when
 * its line was dropped by the level: the AsyncLocalStorage turns on promise hooks for the whole
 * process. Application logs go through the same root logger; the access line comes from
 * `registerRequestLog` below, and the 500 path logs its request id explicitly.
 */
export function loggerModuleParams(logger: PinoInstance): Params {
  return {
    pinoHttp: { logger, genReqId: (req: IncomingMessage) => req.id ?? randomUUID() },
    forRoutes: [],
  };
}

/**
 * One line per finished request at `info` (`error` for 5xx), the shape pino-http wrote:
 * `{ req: { id, method, url }, res: { statusCode }, responseTime, msg: "request completed" }`.
 * Below `info` nothing is done per request at all.
 */
export function registerRequestLog(fastify: FastifyInstance, logger: PinoInstance): void {
  if (!logger.isLevelEnabled('info')) return;
  fastify.addHook('onResponse', (request, reply, done) => {
    const line = {
      req: { id: request.id, method: request.method, url: redactUrl(request.url) },
      res: { statusCode: reply.statusCode },
      responseTime: Math.round(reply.elapsedTime * 100) / 100,
    };
    if (reply.statusCode >= 500) logger.error(line, 'request errored');
    else logger.info(line, 'request completed');
    done();
  });
}
