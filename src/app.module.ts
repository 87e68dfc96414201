import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { AssignmentsModule } from './assignments/assignments.module';
import { AuthGuard } from './common/auth/auth.guard';
import { HttpErrorFilter } from './common/http-error.filter';
import { createValidationPipe } from './common/validation';
import type { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { DecideModule } from './decide/decide.module';
import { ExperimentsModule } from './experiments/experiments.module';
import { MetricsModule } from './metrics/metrics.module';

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
            // Fastify already gave the request its id (X-Request-Id or a UUID): reuse it.
            genReqId: (req: IncomingMessage & { id?: string }) => req.id ?? randomUUID(),
            customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
            redact: ['req.headers.authorization', 'req.headers.cookie'],
            serializers: {
              req: (req: { id: unknown; method: string; url?: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url) }),
            },
          },
        }),
        DatabaseModule.forRoot(databaseUrl, config.dbPoolSize),
        MetricsModule,
        ExperimentsModule,
        AssignmentsModule,
        DecideModule,
      ],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
    };
  }
}
