import { Global, Module } from '@nestjs/common';
import { DatabaseGaugesQueries } from './database-gauges-queries';
import { DatabaseGaugesService } from './database-gauges.service';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/** Global so any feature can count what it does without an import cycle. */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [MetricsService, DatabaseGaugesQueries, DatabaseGaugesService],
  exports: [MetricsService],
})
export class MetricsModule {}
