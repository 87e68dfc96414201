import { Global, Module } from '@nestjs/common';
import { MetricsService } from './metrics.service';

/** Global so any feature can count what it does without an import cycle. */
@Global()
@Module({
  providers: [MetricsService],
  exports: [MetricsService],
})
export class MetricsModule {}
