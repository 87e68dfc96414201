import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppConfig } from '../config/app-config';

/**
 * The CSP allows exactly what Swagger UI (/docs) and the dashboard (/) load: scripts, styles and
 * fonts from this origin, inline styles (Swagger UI has <style> blocks), data: images, and
 * fetch/EventSource back to this origin. No `upgrade-insecure-requests`: the service is often
 * reached over plain HTTP inside a cluster, where that directive would make browsers request every
 * asset over HTTPS and break both pages.
 */
const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      baseUri: ["'self'"],
      scriptSrc: ["'self'"],
      scriptSrcAttr: ["'none'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      fontSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
  // Same answer as frame-ancestors 'none', for browsers that only know the older header.
  frameguard: { action: 'deny' },
  // Swagger UI and the dashboard load nothing cross-origin; the API is JSON for other servers.
  crossOriginEmbedderPolicy: false,
  // HSTS only makes sense behind TLS, which a proxy in front of the service terminates.
  strictTransportSecurity: false,
};

/**
 * The headers helmet would set, computed once. With these options they do not depend on the
 * request (no nonces), and helmet's per-request work (re-serialising the CSP directives, about a
 * quarter of a sticky assign's CPU time) is then one object assignment per response.
 */
export function securityHeaders(options: HelmetOptions = HELMET_OPTIONS): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  } as unknown as ServerResponse;
  let failure: unknown = null;
  helmet(options)({} as IncomingMessage, response, (error?: unknown) => void (failure = error ?? null));
  if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
  return Object.freeze(headers);
}

/** Security headers on every response: API answers, errors, 404s, the dashboard and /docs. */
export function registerSecurityHeaders(fastify: FastifyInstance): void {
  const headers = securityHeaders();
  fastify.addHook('onRequest', (_request, reply, done) => {
    void reply.headers(headers);
    done();
  });
}

/**
 * CORS_ORIGINS: unset → no CORS headers (server-to-server callers need none); `*` → any origin;
 * otherwise a comma-separated list of exact origins. Bearer tokens, not cookies, so no credentials.
 */
export function enableCors(app: NestFastifyApplication, config: AppConfig): void {
  if (config.corsOrigins === false) return;
  app.enableCors({
    origin: config.corsOrigins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
    exposedHeaders: ['Retry-After', 'X-Request-Id', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'],
    credentials: false,
    maxAge: 600,
  });
}
