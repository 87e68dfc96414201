import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { ExperimentsModule } from '../experiments/experiments.module';
import { ResultsController } from './results.controller';
import { ResultsService } from './results.service';

@Module({
  imports: [ExperimentsModule, AlertsModule],
  controllers: [ResultsController],
  providers: [ResultsService],
  exports: [ResultsService],
})
export class ResultsModule {}
