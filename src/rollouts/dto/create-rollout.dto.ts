import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsISO8601,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { MAX_STAGES } from '../rollout-rules';

const finite = { allowNaN: false, allowInfinity: false };
const mustBeNumber = { message: 'must be a finite number' };

export class RolloutStageDto {
  @ApiProperty({ example: 25, description: 'In (0, 100], at most two decimals, strictly increasing; the last stage is 100' })
  @IsNumber(finite, mustBeNumber)
  percentage: number;

  @ApiProperty({ example: 4, description: '> 0, fractional allowed (0.0005 h = 1.8 s)' })
  @IsNumber(finite, mustBeNumber)
  durationHours: number;
}

export class RolloutScheduleDto {
  @ApiPropertyOptional({ example: '2026-11-23T10:00:00Z', description: 'In the future: start puts the rollout in `scheduled` until then' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'must be an ISO-8601 date, e.g. 2026-11-23T10:00:00Z' })
  startTime?: string | null;

  @ApiPropertyOptional({ type: [RolloutStageDto], description: 'Default: 5/25/50/75/100 % for 2/4/8/12/24 h' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_STAGES)
  @ValidateNested({ each: true })
  @Type(() => RolloutStageDto)
  stages?: RolloutStageDto[];
}

/** Every key optional; `null` disables that check. */
export class HealthThresholdsDto {
  @ApiPropertyOptional({ example: 0.05, nullable: true, minimum: 0, maximum: 1, description: 'errors / requests above this → rollback' })
  @IsOptional()
  @IsNumber(finite, mustBeNumber)
  @Min(0)
  @Max(1)
  maxErrorRate?: number | null;

  @ApiPropertyOptional({ example: 200, nullable: true, minimum: 0, description: 'p95 latency (ms) above this → rollback' })
  @IsOptional()
  @IsNumber(finite, mustBeNumber)
  @Min(0)
  maxLatencyMs?: number | null;

  @ApiPropertyOptional({ example: 0.75, nullable: true, minimum: 0, maximum: 1, description: 'correct / labeled below this → rollback' })
  @IsOptional()
  @IsNumber(finite, mustBeNumber)
  @Min(0)
  @Max(1)
  minAccuracy?: number | null;

  @ApiPropertyOptional({ example: 100, nullable: true, minimum: 0, description: 'Fewer requests in a stage → waiting_for_data' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  minRequests?: number | null;
}

export class CreateRolloutDto {
  @ApiProperty({ example: 'ml-model-v2-rollout', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiPropertyOptional({ example: 'Ship the v2 ranking model' })
  @IsOptional()
  @IsString()
  @MaxLength(10000)
  description?: string | null;

  @ApiProperty({ example: 'v2.0.0', description: 'The new model; one unfinished rollout per model version' })
  @IsString()
  @Length(1, 200)
  modelVersion: string;

  @ApiPropertyOptional({ example: 'v1.4.2' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  baselineVersion?: string | null;

  @ApiPropertyOptional({ type: RolloutScheduleDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RolloutScheduleDto)
  schedule?: RolloutScheduleDto;

  @ApiPropertyOptional({ type: HealthThresholdsDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => HealthThresholdsDto)
  healthThresholds?: HealthThresholdsDto;

  @ApiPropertyOptional({ example: 'https://hooks.example/rollouts', description: 'Receives a POST on every rollback' })
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: 'must be an http(s) URL' })
  @MaxLength(2000)
  webhookUrl?: string | null;
}
