import { Module } from '@nestjs/common';
import { AssignmentsModule } from '../assignments/assignments.module';
import { ExperimentsModule } from '../experiments/experiments.module';
import { RolloutsModule } from '../rollouts/rollouts.module';
import { SdkStreamService } from './sdk-stream.service';
import { SdkController } from './sdk.controller';
import { SdkService } from './sdk.service';
import { SdkStore } from './sdk.store';

/** What the SDK (sdk/) needs from the service: definitions, their stream, exposure reports and lookups. */
@Module({
  imports: [ExperimentsModule, AssignmentsModule, RolloutsModule],
  controllers: [SdkController],
  providers: [SdkService, SdkStore, SdkStreamService],
})
export class SdkModule {}
