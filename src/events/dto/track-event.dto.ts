import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNumber, IsObject, IsOptional, IsString, Length, ValidateIf } from 'class-validator';
import { checkedInput, MAX_USER_ID_LENGTH } from '../../common/input-checks';
import { checkEventFields, MAX_EVENT_ID_LENGTH, MAX_EVENT_NAME_LENGTH } from '../event-input';

const FINITE = { allowNaN: false, allowInfinity: false };

/**
 * The body of `POST /experiments/:key/track`. Checked by hand (`fromInput`, used by
 * RequestValidationPipe) with the same field checks as each event of a batch: it is on the request
 * path of every single event.
 */
export class TrackEventDto {
  @ApiProperty({ example: 'u-1', minLength: 1, maxLength: MAX_USER_ID_LENGTH })
  userId: string;

  @ApiPropertyOptional({ example: 'purchase', maxLength: MAX_EVENT_NAME_LENGTH, description: 'Required unless eventType is sent' })
  eventName?: string;

  @ApiPropertyOptional({ example: 'purchase', description: 'Alias of eventName (seed-000 form)' })
  eventType?: string;

  @ApiPropertyOptional({ example: 19.9, default: 1, description: 'A finite number; null is refused rather than counted as 1' })
  value?: number;

  @ApiPropertyOptional({ example: { orderId: 'ord-77' }, description: 'Any JSON object (≤ 16 KiB as JSON)' })
  properties?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Alias of properties (seed-000 form)' })
  eventData?: Record<string, unknown>;

  @ApiPropertyOptional({ example: 'ord-77', maxLength: MAX_EVENT_ID_LENGTH, description: 'Idempotency key, unique per experiment' })
  eventId?: string;

  @ApiPropertyOptional({ example: '2026-11-23T10:00:00.000Z', description: 'ISO-8601 with zone; default now; at most 5 minutes ahead' })
  timestamp?: string;

  static fromInput(raw: unknown): TrackEventDto {
    return Object.assign(
      new TrackEventDto(),
      checkedInput(raw, (problems, input) => checkEventFields(problems, input)),
    );
  }
}

/** Seed-001 form of a single event. `eventId` and `timestamp` are extensions with the track meaning. */
export class ConversionDto {
  @ApiProperty({ example: 'checkout-button', description: 'The experiment id or key' })
  @IsString()
  @Length(1, 200)
  experimentId: string;

  @ApiProperty({ example: 'u-1', minLength: 1, maxLength: MAX_USER_ID_LENGTH })
  @IsString()
  @Length(1, MAX_USER_ID_LENGTH)
  userId: string;

  @ApiProperty({ example: 'purchase', maxLength: MAX_EVENT_NAME_LENGTH })
  @IsString()
  @Length(1, MAX_EVENT_NAME_LENGTH)
  metricName: string;

  @ApiPropertyOptional({ example: 19.9, default: 1 })
  @ValidateIf((dto: ConversionDto) => dto.value !== undefined)
  @IsNumber(FINITE, { message: 'value must be a finite number' })
  value?: number;

  @ApiPropertyOptional({ example: { orderId: 'ord-77' } })
  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;

  @ApiPropertyOptional({ example: 'ord-77', maxLength: MAX_EVENT_ID_LENGTH })
  @IsOptional()
  @IsString()
  @Length(1, MAX_EVENT_ID_LENGTH)
  eventId?: string;

  @ApiPropertyOptional({ example: '2026-11-23T10:00:00.000Z' })
  @IsOptional()
  @IsString()
  timestamp?: string;
}

export class BatchEventDto {
  @ApiProperty({ example: 'checkout-button', description: 'The experiment id or key' })
  experiment: string;

  @ApiProperty({ example: 'u-1' })
  userId: string;

  @ApiProperty({ example: 'purchase', description: 'Or its alias eventType' })
  eventName: string;

  @ApiPropertyOptional({ example: 19.9, default: 1 })
  value?: number;

  @ApiPropertyOptional({ example: {}, description: 'Or its alias eventData' })
  properties?: Record<string, unknown>;

  @ApiPropertyOptional({ example: 'ord-77' })
  eventId?: string;

  @ApiPropertyOptional({ example: '2026-11-23T10:00:00.000Z' })
  timestamp?: string;
}

/** For the OpenAPI document only: the batch is checked event by event in code (event-input.ts). */
export class BatchDto {
  @ApiProperty({ type: [BatchEventDto], maxItems: 10_000 })
  events: BatchEventDto[];
}
