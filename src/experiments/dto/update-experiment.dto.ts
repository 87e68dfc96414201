import { PartialType } from '@nestjs/swagger';
import { CreateExperimentDto } from './create-experiment.dto';

/** Every field optional; which fields may change depends on the status (see ExperimentsService.update). */
export class UpdateExperimentDto extends PartialType(CreateExperimentDto) {}
