import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AssignmentsModule } from '../assignments/assignments.module';
import { ExperimentsModule } from '../experiments/experiments.module';
import { EventEntity } from './event.entity';
import { EventStore } from './event-store';
import { EventsController, EventCountsController } from './events.controller';
import { EventsService } from './events.service';

@Module({
  imports: [TypeOrmModule.forFeature([EventEntity]), ExperimentsModule, AssignmentsModule],
  controllers: [EventsController, EventCountsController],
  providers: [EventsService, EventStore],
  exports: [EventsService],
})
export class EventsModule {}
