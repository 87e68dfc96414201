import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ThrottlerModule } from '@nestjs/throttler';
import { LoggerModule } from 'nestjs-pino';
import { AlertsModule } from './alerts/alerts.module';
import { AssignmentsModule } from './assignments/assignments.module';
import { AuthGuard } from './common/auth/auth.guard';
import { HttpErrorFilter } from './common/http-error.filter';
import { createValidationPipe } from './common/validation';
import type { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { DecideModule } from './decide/decide.module';
import { EventsModule } from './events/events.module';
import { ExperimentsModule } from './experiments/experiments.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { ResultsModule } from './results/results.module';
import { RolloutsModule } from './rollouts/rollouts.module';
import { StreamModule } from './stream/stream.module';
import { RATE_LIMIT_WINDOW_MS, RateLimitGuard } from './security/rate-limit.guard';
import { FixedWindowThrottlerStorage } from './security/rate-limit.storage';

/** Removes `?token=` (accepted by the event stream) from logged URLs: tokens are never logged. */
function redactUrl(url: string | undefined): string | undefined {
  return url?.replace(/([?&]token=)[^&]*/g, '$1[redacted]');
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, databaseUrl: string): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            // Below info the per-request line would be dropped anyway: skip the per-request logger work.
            autoLogging: ['info', 'debug', 'trace'].includes(config.logLevel),
            // Fastify already gave the request its id (X-Request-Id or a UUID): reuse it.
            genReqId: (req: IncomingMessage) => req.id ?? randomUUID(),
            customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
            redact: ['req.headers.authorization', 'req.headers.cookie'],
            serializers: {
              req: (req: { id: unknown; method: string; url?: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url) }),
            },
          },
        }),
        DatabaseModule.forRoot(databaseUrl, config.dbPoolSize),
        MetricsModule,
        HealthModule,
        ThrottlerModule.forRoot({
          throttlers: [{ name: 'default', ttl: RATE_LIMIT_WINDOW_MS, limit: config.rateLimitPerMinute }],
          // O(1) per request; the default storage scans every hit of the last minute (see README, Benchmarks).
          storage: new FixedWindowThrottlerStorage(),
        }),
        ExperimentsModule,
        AssignmentsModule,
        DecideModule,
        ResultsModule,
        EventsModule,
        AlertsModule,
        RolloutsModule,
        StreamModule,
        DashboardModule,
      ],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        // Rate limiting first: a flood is refused before any token check or database work.
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
    };
  }
}
