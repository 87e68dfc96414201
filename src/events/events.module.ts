import { Module } from '@nestjs/common';
import { AssignmentsModule } from '../assignments/assignments.module';
import { ExperimentsModule } from '../experiments/experiments.module';
import { EventStore } from './event.store';
import { EventsController, ExperimentMetricsController } from './events.controller';
import { EventsService } from './events.service';

@Module({
  imports: [ExperimentsModule, AssignmentsModule],
  controllers: [EventsController, ExperimentMetricsController],
  providers: [EventsService, EventStore],
  exports: [EventsService],
})
export class EventsModule {}
