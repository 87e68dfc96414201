import { ApiProperty } from '@nestjs/swagger';
import type { AssignReason } from './assignment-decision';

/** OpenAPI shapes of the assign routes; the bodies themselves are built in assignments.service.ts. */

export class AssignedVariant {
  @ApiProperty({ example: 'green' }) name: string;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { color: 'green' } }) config: Record<string, unknown>;
}

export const ASSIGN_REASONS: readonly AssignReason[] = [
  'assigned',
  'sticky',
  'not_in_traffic',
  'paused',
  'not_running',
  'winner',
  'completed',
];

export class AssignResponse {
  @ApiProperty({ format: 'uuid' }) experimentId: string;
  @ApiProperty({ example: 'checkout-button' }) experimentKey: string;
  @ApiProperty({ example: 'u-1' }) userId: string;
  @ApiProperty({ description: 'false: the user sees the default experience (variant null)' }) inExperiment: boolean;
  @ApiProperty({ type: AssignedVariant, nullable: true }) variant: AssignedVariant | null;
  @ApiProperty({ enum: ASSIGN_REASONS, enumName: 'AssignReason' }) reason: AssignReason;
}
