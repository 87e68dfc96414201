import { Module } from '@nestjs/common';
import { AssignmentsModule } from '../assignments/assignments.module';
import { ExperimentsModule } from '../experiments/experiments.module';
import { RolloutsModule } from '../rollouts/rollouts.module';
import { DecideController } from './decide.controller';
import { DecideService } from './decide.service';

@Module({
  imports: [ExperimentsModule, AssignmentsModule, RolloutsModule],
  controllers: [DecideController],
  providers: [DecideService],
})
export class DecideModule {}
