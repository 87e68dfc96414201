import { Global, Module } from '@nestjs/common';
import { DatabaseGaugesService } from './database-gauges.service';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/** Global so any feature can count what it does without an import cycle. */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [MetricsService, DatabaseGaugesService],
  exports: [MetricsService],
})
export class MetricsModule {}
