import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import type { Logger as PinoInstance } from 'pino';
import { AlertsModule } from './alerts/alerts.module';
import { AnalysisModule } from './analysis/analysis.module';
import { AssignmentsModule } from './assignments/assignments.module';
import { AuthGuard } from './common/auth/auth.guard';
import type { Clock } from './common/clock';
import { HttpErrorFilter } from './common/http-error.filter';
import { loggerModuleParams } from './common/request-log';
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
import { SdkModule } from './sdk/sdk.module';
import { StreamModule } from './stream/stream.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { RateLimitGuard } from './security/rate-limit.guard';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, databaseUrl: string, logger: PinoInstance, clock?: Clock): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config, clock),
        LoggerModule.forRoot(loggerModuleParams(logger)),
        DatabaseModule.forRoot(databaseUrl, config.dbPoolSize, config.dbQueryTimeoutSeconds * 1000),
        MetricsModule,
        HealthModule,
        ExperimentsModule,
        AssignmentsModule,
        DecideModule,
        ResultsModule,
        AnalysisModule,
        EventsModule,
        AlertsModule,
        RolloutsModule,
        StreamModule,
        WebhooksModule,
        SdkModule,
        DashboardModule,
      ],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        // Rate limiting first: a flood is refused before any token check or database work.
        RateLimitGuard,
        { provide: APP_GUARD, useExisting: RateLimitGuard },
        AuthGuard,
        { provide: APP_GUARD, useExisting: AuthGuard },
      ],
    };
  }
}
