import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** OpenAPI shapes of the SDK routes (the typed client is generated from them); the bodies themselves are built in sdk-rules.ts. */

export class SdkVariant {
  @ApiProperty({ example: 'green' }) name: string;
  @ApiProperty({ example: 0.5 }) weight: number;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { color: 'green' } }) config: Record<string, unknown>;
}

export class SdkExperiment {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'checkout-button' }) key: string;
  @ApiProperty({ enum: ['running', 'paused', 'completed'] }) status: 'running' | 'paused' | 'completed';
  @ApiProperty({ example: 'checkout-button' }) hashSeed: string;
  @ApiProperty({ example: 0.5 }) trafficAllocation: number;
  @ApiProperty({ example: 1, description: 'The largest allocation the experiment ever ran with: users outside it hold no assignment' })
  allocationHighWater: number;
  @ApiProperty({ type: [SdkVariant] }) variants: SdkVariant[];
  @ApiProperty({ example: 'control' }) controlVariant: string;
  @ApiProperty({ type: String, nullable: true, example: null }) winner: string | null;
  @ApiProperty({ format: 'date-time', description: 'Changes with every change of the experiment' }) updatedAt: string;
}

export class SdkRollout {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'v2.0.0' }) modelVersion: string;
  @ApiProperty({ example: 'v1.4.2' }) baselineVersion: string;
  @ApiProperty({ enum: ['running', 'paused', 'completed'] }) status: 'running' | 'paused' | 'completed';
  @ApiProperty({ example: 25 }) percentage: number;
  @ApiProperty({ format: 'uuid', description: 'Bucketing seed (the rollout id)' }) seed: string;
}

export class SdkDefinitions {
  @ApiProperty({ type: [SdkExperiment], description: 'Running, paused and completed experiments (no drafts)' })
  experiments: SdkExperiment[];
  @ApiProperty({ type: [SdkRollout], description: 'Per model version, the rollout that speaks for it, when it serves' })
  rollouts: SdkRollout[];
}

export class SdkExposure {
  @ApiProperty({ description: 'Experiment id or key', example: 'checkout-button' }) experiment: string;
  @ApiProperty({ example: 'u-1', minLength: 1, maxLength: 256 }) userId: string;
  @ApiProperty({ example: 'green', description: 'The variant the SDK served' }) variant: string;
  @ApiPropertyOptional({ example: 3, minimum: 1, maximum: 1_000_000, description: 'Answers since the last report (default 1)' })
  count?: number;
  @ApiPropertyOptional({ format: 'date-time' }) at?: string;
}

export class SdkExposureBatch {
  @ApiPropertyOptional({ format: 'uuid', description: 'A retried batch with the same id is applied once' }) batchId?: string;
  @ApiProperty({ type: [SdkExposure], maxItems: 10_000 }) exposures: SdkExposure[];
}

export class SdkRejected {
  @ApiProperty() index: number;
  @ApiProperty() error: string;
}

export class SdkCorrection {
  @ApiProperty() index: number;
  @ApiProperty() experiment: string;
  @ApiProperty() userId: string;
  @ApiProperty({ type: String, nullable: true, description: "The server's variant; null: the server holds no assignment and made none" })
  variant: string | null;
}

export class SdkExposureReport {
  @ApiProperty({ description: 'Items counted as exposures of the assignment the server holds' }) accepted: number;
  @ApiProperty({ description: 'This batchId was applied before: nothing was written again' }) duplicate: boolean;
  @ApiProperty({ type: [SdkRejected] }) rejected: SdkRejected[];
  @ApiProperty({ type: [SdkCorrection] }) corrections: SdkCorrection[];
}

export class SdkLookupRequest {
  @ApiProperty({ description: 'Experiment id or key' }) experiment: string;
  @ApiProperty({ type: [String], maxItems: 10_000 }) userIds: string[];
}

export class SdkLookupResponse {
  @ApiProperty({ format: 'uuid' }) experimentId: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'userId → variant, for the users who hold an assignment',
  })
  assignments: Record<string, string>;
}
