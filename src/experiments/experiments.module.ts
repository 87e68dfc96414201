import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { ExperimentCatalogService } from './experiment-catalog.service';
import { ExperimentHistoryEntity } from './experiment-history.entity';
import { ExperimentEntity } from './experiment.entity';
import { ExperimentStore } from './experiment.store';
import { ExperimentsController } from './experiments.controller';
import { ExperimentsService } from './experiments.service';

@Module({
  imports: [TypeOrmModule.forFeature([ExperimentEntity, ExperimentHistoryEntity]), WebhooksModule],
  controllers: [ExperimentsController],
  providers: [ExperimentStore, ExperimentsService, ExperimentCatalogService],
  exports: [ExperimentsService, ExperimentCatalogService],
})
export class ExperimentsModule {}
