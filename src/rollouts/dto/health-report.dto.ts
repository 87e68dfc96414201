import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Allow, IsArray, IsInt, IsISO8601, IsNumber, IsOptional, Max, Min } from 'class-validator';

const integer = { message: 'must be a non-negative integer' };

export class HealthReportDto {
  @ApiProperty({ example: 1000, description: 'Requests served by the new model in the window' })
  @IsInt(integer)
  @Min(0, integer)
  @Max(Number.MAX_SAFE_INTEGER)
  requests: number;

  @ApiProperty({ example: 12, description: '≤ requests' })
  @IsInt(integer)
  @Min(0, integer)
  @Max(Number.MAX_SAFE_INTEGER)
  errors: number;

  @ApiPropertyOptional({ example: 140, description: 'p95 latency of the window in milliseconds' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be a finite number' })
  @Min(0)
  latencyP95Ms?: number | null;

  @ApiPropertyOptional({ example: 200, description: 'Requests whose correct answer is known (default 0)' })
  @IsOptional()
  @IsInt(integer)
  @Min(0, integer)
  @Max(Number.MAX_SAFE_INTEGER)
  labeled?: number;

  @ApiPropertyOptional({ example: 170, description: '≤ labeled' })
  @IsOptional()
  @IsInt(integer)
  @Min(0, integer)
  @Max(Number.MAX_SAFE_INTEGER)
  correct?: number;

  @ApiPropertyOptional({ example: '2026-11-23T10:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'must be an ISO-8601 date' })
  windowStart?: string;

  @ApiPropertyOptional({ example: '2026-11-23T10:05:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'must be an ISO-8601 date' })
  windowEnd?: string;
}

export const MAX_OBSERVATIONS = 10_000;

export class ObservationsDto {
  @ApiProperty({
    example: [{ latencyMs: 120, error: false, correct: true }],
    description: `1–${MAX_OBSERVATIONS} raw outcomes of the new model: latencyMs ≥ 0 (optional), error (default false), correct (optional: unlabeled)`,
  })
  // Items are checked by hand in the service: class-validator on 10,000 nested objects is the slow part of the request.
  @IsArray()
  @Allow()
  observations: unknown[];
}
