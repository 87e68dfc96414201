import { Module } from '@nestjs/common';
import { ExperimentsModule } from '../experiments/experiments.module';
import { AssignmentStore } from './assignment.store';
import { AssignmentsController } from './assignments.controller';
import { AssignmentsService } from './assignments.service';
import { ExposureBufferService } from './exposure-buffer.service';
import { KnownAssignments } from './known-assignments';

@Module({
  imports: [ExperimentsModule],
  controllers: [AssignmentsController],
  providers: [AssignmentStore, AssignmentsService, ExposureBufferService, KnownAssignments],
  exports: [AssignmentsService, ExposureBufferService, KnownAssignments],
})
export class AssignmentsModule {}
