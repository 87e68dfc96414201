import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ExperimentsModule } from '../experiments/experiments.module';
import { AssignmentEntity } from './assignment.entity';
import { AssignmentsController } from './assignments.controller';
import { AssignmentsService } from './assignments.service';
import { ExposureBufferService } from './exposure-buffer.service';
import { KnownAssignments } from './known-assignments';

@Module({
  imports: [TypeOrmModule.forFeature([AssignmentEntity]), ExperimentsModule],
  controllers: [AssignmentsController],
  providers: [AssignmentsService, ExposureBufferService, KnownAssignments],
  exports: [AssignmentsService, ExposureBufferService, KnownAssignments],
})
export class AssignmentsModule {}
