import helmet from '@fastify/helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '../config/app-config';

/**
 * Security headers on every response. The CSP allows exactly what Swagger UI (/docs) and the
 * dashboard (/) load: scripts, styles and fonts from this origin, inline styles (Swagger UI has
 * <style> blocks), data: images, and fetch/EventSource back to this origin. No
 * `upgrade-insecure-requests`: the service is often reached over plain HTTP inside a cluster, where
 * that directive would make browsers request every asset over HTTPS and break both pages.
 */
export async function registerSecurityHeaders(app: NestFastifyApplication): Promise<void> {
  await app.register(helmet, {
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
    hsts: false,
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
