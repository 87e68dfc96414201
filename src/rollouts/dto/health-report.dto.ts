import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Allow, IsArray, IsInt, IsISO8601, IsNumber, IsOptional, Max, Min } from 'class-validator';
import { MAX_LATENCY_MS, MAX_OBSERVATIONS, MAX_REPORT_COUNT } from '../rollout-health-rules';

const integer = { message: 'must be a non-negative integer' };
const count = { message: `must be at most ${MAX_REPORT_COUNT} per report` };

/** Bounds: docs/decisions/011-health-data-bounds.md; cross-field checks in rollout-health-rules.ts. */
export class HealthReportDto {
  @ApiProperty({ example: 1000, minimum: 0, maximum: MAX_REPORT_COUNT, description: 'Requests served by the new model in the window' })
  @IsInt(integer)
  @Min(0, integer)
  @Max(MAX_REPORT_COUNT, count)
  requests: number;

  @ApiProperty({ example: 12, minimum: 0, maximum: MAX_REPORT_COUNT, description: '≤ requests' })
  @IsInt(integer)
  @Min(0, integer)
  @Max(MAX_REPORT_COUNT, count)
  errors: number;

  @ApiPropertyOptional({
    example: 140,
    minimum: 0,
    maximum: MAX_LATENCY_MS,
    description: 'p95 latency of the window in milliseconds (≤ 1 hour)',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be a finite number' })
  @Min(0)
  @Max(MAX_LATENCY_MS, { message: `must be at most ${MAX_LATENCY_MS} (one hour in ms)` })
  latencyP95Ms?: number | null;

  @ApiPropertyOptional({
    example: 200,
    minimum: 0,
    maximum: MAX_REPORT_COUNT,
    description: 'Requests whose correct answer is known (default 0)',
  })
  @IsOptional()
  @IsInt(integer)
  @Min(0, integer)
  @Max(MAX_REPORT_COUNT, count)
  labeled?: number;

  @ApiPropertyOptional({ example: 170, minimum: 0, maximum: MAX_REPORT_COUNT, description: '≤ labeled' })
  @IsOptional()
  @IsInt(integer)
  @Min(0, integer)
  @Max(MAX_REPORT_COUNT, count)
  correct?: number;

  @ApiPropertyOptional({ example: '2026-11-23T10:00:00Z', description: 'From 2000-01-01 to 5 minutes after the server clock' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'must be an ISO-8601 date' })
  windowStart?: string;

  @ApiPropertyOptional({ example: '2026-11-23T10:05:00Z', description: '≥ windowStart, at most 5 minutes after the server clock' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'must be an ISO-8601 date' })
  windowEnd?: string;
}

export class ObservationsDto {
  @ApiProperty({
    example: [{ latencyMs: 120, error: false, correct: true }],
    description: `1–${MAX_OBSERVATIONS} raw outcomes of the new model: latencyMs 0–${MAX_LATENCY_MS} (optional), error (default false), correct (optional: unlabeled)`,
  })
  // Items are checked by hand (rollout-health-rules.ts): class-validator on 10,000 nested objects is the slow part of the request.
  @IsArray()
  @Allow()
  observations: unknown[];
}
