import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { AlertEntity } from './alert.entity';
import { AlertStore } from './alert.store';
import { AlertsController } from './alerts.controller';
import { AlertsService } from './alerts.service';

@Module({
  imports: [TypeOrmModule.forFeature([AlertEntity]), WebhooksModule],
  controllers: [AlertsController],
  providers: [AlertStore, AlertsService],
  exports: [AlertsService],
})
export class AlertsModule {}
