import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { ExperimentsModule } from '../experiments/experiments.module';
import { ResultsModule } from '../results/results.module';
import { AnalysisJobService } from './analysis-job.service';

@Module({
  imports: [ExperimentsModule, ResultsModule, AlertsModule],
  providers: [AnalysisJobService],
  exports: [AnalysisJobService],
})
export class AnalysisModule {}
