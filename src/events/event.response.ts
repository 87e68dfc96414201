import { ApiExtraModels, ApiProperty, getSchemaPath } from '@nestjs/swagger';

/** OpenAPI shapes of the event routes; the bodies themselves are built in events.service.ts and event-counts.ts. */

export class TrackResponse {
  @ApiProperty({ enum: ['recorded'] }) status: 'recorded';
  @ApiProperty({ example: 'green', description: "The user's variant the event counts for" }) variant: string;
  @ApiProperty({ description: 'This eventId was stored before: nothing was written again' }) duplicate: boolean;
}

export class ConversionResponse {
  @ApiProperty({ enum: ['recorded'] }) status: 'recorded';
  @ApiProperty({ format: 'uuid' }) experimentId: string;
  @ApiProperty({ example: 'checkout-button' }) experimentKey: string;
  @ApiProperty({ example: 'u-1' }) userId: string;
  @ApiProperty({ example: 'green' }) variant: string;
  @ApiProperty({ example: 'purchase' }) metricName: string;
  @ApiProperty() duplicate: boolean;
}

export class RejectedItem {
  @ApiProperty({ description: 'Position in the request array' }) index: number;
  @ApiProperty({ example: 'userId must be a non-empty string' }) error: string;
}

export class BatchResponse {
  @ApiProperty({ description: 'Events stored' }) accepted: number;
  @ApiProperty({ description: 'Events whose eventId was stored before' }) duplicates: number;
  @ApiProperty({ type: [RejectedItem] }) rejected: RejectedItem[];
}

export class EventMetricResponse {
  @ApiProperty({ description: 'Assigned users with at least one such event' }) users: number;
  @ApiProperty() count: number;
  @ApiProperty() sum: number;
  @ApiProperty({ description: 'sum / assigned users' }) mean: number;
  @ApiProperty({ description: 'users / assigned users' }) conversionRate: number;
}

@ApiExtraModels(EventMetricResponse)
export class VariantEventCounts {
  @ApiProperty({ example: 'control' }) name: string;
  @ApiProperty({ description: 'Assigned users' }) users: number;
  @ApiProperty() exposures: number;
  @ApiProperty({ type: 'object', additionalProperties: { $ref: getSchemaPath(EventMetricResponse) }, description: 'Per event name' })
  metrics: Record<string, EventMetricResponse>;
}

export class EventCountsResponse {
  @ApiProperty({ format: 'uuid' }) experimentId: string;
  @ApiProperty({ format: 'date-time' }) computedAt: string;
  @ApiProperty({ type: [VariantEventCounts] }) variants: VariantEventCounts[];
}
