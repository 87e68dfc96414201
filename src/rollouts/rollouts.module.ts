import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AlertsModule } from '../alerts/alerts.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { RolloutCatalogService } from './rollout-catalog.service';
import { RolloutHealthService } from './rollout-health.service';
import { RolloutHistoryEntity } from './rollout-history.entity';
import { RolloutSchedulerService } from './rollout-scheduler.service';
import { RolloutNotifications } from './rollout-notifications';
import { RolloutEntity } from './rollout.entity';
import { RolloutStore } from './rollout.store';
import { RolloutsController } from './rollouts.controller';
import { RolloutsService } from './rollouts.service';

@Module({
  // Both repositories are injected, into RolloutStore only.
  imports: [ScheduleModule.forRoot(), TypeOrmModule.forFeature([RolloutEntity, RolloutHistoryEntity]), AlertsModule, WebhooksModule],
  controllers: [RolloutsController],
  providers: [RolloutStore, RolloutsService, RolloutHealthService, RolloutCatalogService, RolloutSchedulerService, RolloutNotifications],
  exports: [RolloutsService, RolloutCatalogService, RolloutSchedulerService],
})
export class RolloutsModule {}
