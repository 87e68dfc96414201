import { Module } from '@nestjs/common';
import { AssignmentsModule } from '../assignments/assignments.module';
import { ExperimentsModule } from '../experiments/experiments.module';
import { DecideController } from './decide.controller';
import { DecideService } from './decide.service';

@Module({
  imports: [ExperimentsModule, AssignmentsModule],
  controllers: [DecideController],
  providers: [DecideService],
})
export class DecideModule {}
