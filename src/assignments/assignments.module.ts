import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ExperimentsModule } from '../experiments/experiments.module';
import { AssignmentEntity } from './assignment.entity';
import { AssignmentsController } from './assignments.controller';
import { AssignmentsService } from './assignments.service';
import { ExposureBufferService } from './exposure-buffer.service';

@Module({
  imports: [TypeOrmModule.forFeature([AssignmentEntity]), ExperimentsModule],
  controllers: [AssignmentsController],
  providers: [AssignmentsService, ExposureBufferService],
  exports: [AssignmentsService, ExposureBufferService],
})
export class AssignmentsModule {}
