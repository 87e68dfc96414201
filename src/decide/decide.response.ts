import { ApiExtraModels, ApiProperty, getSchemaPath } from '@nestjs/swagger';

/** OpenAPI shape of POST /api/v1/decide; the body itself is built in decide.service.ts. */

export class DecideExperiment {
  @ApiProperty({ type: String, nullable: true, example: 'green' }) variant: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) config: Record<string, unknown> | null;
  @ApiProperty() inExperiment: boolean;
}

export class DecideRollout {
  @ApiProperty() useNewModel: boolean;
  @ApiProperty({ example: 25 }) percentage: number;
}

@ApiExtraModels(DecideExperiment, DecideRollout)
export class DecideResponse {
  @ApiProperty({ example: 'u-1' }) userId: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(DecideExperiment) },
    description: 'Per running experiment key',
  })
  experiments: Record<string, DecideExperiment>;
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(DecideRollout) },
    description: 'Per model version with a serving rollout',
  })
  rollouts: Record<string, DecideRollout>;
}
