import type { FastifyInstance } from 'fastify';
import type { Params } from 'nestjs-pino';
import pino, { type Logger as PinoInstance } from 'pino';
import type { LogLevel } from '../config/app-config';

/**
 * Replaces the values of `token` and `ticket` in a logged URL's query string (the event stream takes a
 * `?ticket=`; older clients may still send `?token=`): neither is ever logged. Keys are compared decoded, as the query parser reads them,
 * so `?%74oken=` is redacted too.
 */
export function redactUrl(url: string | undefined): string | undefined {
  const queryStart = url?.indexOf('?') ?? -1;
  if (url === undefined || queryStart < 0) return url;
  const pairs = url
    .slice(queryStart + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const key = equals < 0 ? pair : pair.slice(0, equals);
      return ['token', 'ticket'].includes(decodedKey(key)) ? `${key}=[redacted]` : pair;
    });
  return `${url.slice(0, queryStart)}?${pairs.join('&')}`;
}

function decodedKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
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
    pinoHttp: { logger },
    forRoutes: [],
  };
}

/**
 * One line per finished request at `info` (`error` for 5xx), the shape pino-http wrote:
 * `{ req: { id, method, url }, res: { statusCode }, responseTime, msg: "request completed" }`.
 * At `warn` and `error` only the 5xx lines are written; at `fatal`/`silent` nothing is done per request.
 */
export function registerRequestLog(fastify: FastifyInstance, logger: PinoInstance): void {
  const everyRequest = logger.isLevelEnabled('info');
  if (!everyRequest && !logger.isLevelEnabled('error')) return;
  fastify.addHook('onResponse', (request, reply, done) => {
    const failed = reply.statusCode >= 500;
    if (failed || everyRequest) {
      const line = {
        req: { id: request.id, method: request.method, url: redactUrl(request.url) },
        res: { statusCode: reply.statusCode },
        responseTime: Math.round(reply.elapsedTime * 100) / 100,
      };
      if (failed) logger.error(line, 'request errored');
      else logger.info(line, 'request completed');
    }
    done();
  });
}
