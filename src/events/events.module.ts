import { Module } from '@nestjs/common';
import { AssignmentsModule } from '../assignments/assignments.module';
import { ExperimentsModule } from '../experiments/experiments.module';
import { EventStore } from './event.store';
import { EventCountsController, EventsController } from './events.controller';
import { EventsService } from './events.service';

@Module({
  imports: [ExperimentsModule, AssignmentsModule],
  controllers: [EventsController, EventCountsController],
  providers: [EventsService, EventStore],
  exports: [EventsService],
})
export class EventsModule {}
