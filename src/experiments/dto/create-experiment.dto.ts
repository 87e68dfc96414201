import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  ANALYSIS_KINDS,
  AnalysisKind,
  CORRECTIONS,
  Correction,
  METRIC_GOALS,
  METRIC_ROLES,
  METRIC_TYPES,
  MetricGoal,
  MetricRole,
  MetricType,
} from '../experiment.model';

export const KEY_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const finite = { allowNaN: false, allowInfinity: false };
const mustBeNumber = { message: 'must be a finite number' };

export class VariantDto {
  @ApiProperty({ example: 'green' })
  @IsString()
  @Length(1, 100)
  name: string;

  @ApiProperty({ example: 0.5, description: '> 0; the weights of all variants sum to 1' })
  @IsNumber(finite, mustBeNumber)
  weight: number;

  @ApiPropertyOptional({ example: { color: 'green' }, description: 'Any JSON object (≤ 64 KiB), served to assigned users' })
  @IsOptional()
  @IsObject()
  config?: Record<string, unknown>;
}

export class MetricDto {
  @ApiProperty({ example: 'purchase', description: 'The event name that feeds this metric' })
  @IsString()
  @Length(1, 100)
  name: string;

  @ApiProperty({ enum: METRIC_TYPES, example: 'conversion' })
  @IsIn(METRIC_TYPES)
  type: MetricType;

  @ApiPropertyOptional({ enum: METRIC_GOALS, default: 'increase' })
  @IsOptional()
  @IsIn(METRIC_GOALS)
  goal?: MetricGoal;

  @ApiPropertyOptional({
    enum: METRIC_ROLES,
    description: 'Exactly one primary. Without any role given, the first metric is primary and the rest secondary.',
  })
  @IsOptional()
  @IsIn(METRIC_ROLES)
  role?: MetricRole;
}

export class CreateExperimentDto {
  @ApiProperty({ example: 'Checkout button colour', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiPropertyOptional({ example: 'checkout-button', pattern: KEY_PATTERN.source, description: 'Default: slug of name. Immutable.' })
  @IsOptional()
  @IsString()
  @Matches(KEY_PATTERN, { message: 'must match ^[a-z0-9][a-z0-9._-]{0,63}$' })
  key?: string;

  @ApiPropertyOptional({ example: 'Test a green checkout button' })
  @IsOptional()
  @IsString()
  @MaxLength(10000)
  description?: string | null;

  @ApiPropertyOptional({ example: 'Green increases purchases by 5 %' })
  @IsOptional()
  @IsString()
  @MaxLength(10000)
  hypothesis?: string | null;

  @ApiProperty({ type: [VariantDto], minItems: 2, maxItems: 20 })
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => VariantDto)
  variants: VariantDto[];

  @ApiPropertyOptional({ example: 'control', description: 'Default: the first variant' })
  @IsOptional()
  @IsString()
  controlVariant?: string;

  @ApiPropertyOptional({ example: 1, description: 'Share of users in the experiment, in (0, 1]' })
  @IsOptional()
  @IsNumber(finite, mustBeNumber)
  trafficAllocation?: number;

  @ApiProperty({ type: [MetricDto], minItems: 1, maxItems: 20 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => MetricDto)
  metrics: MetricDto[];

  @ApiPropertyOptional({ example: 100, description: 'Users per variant before a winner may be declared' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  minimumSampleSize?: number;

  @ApiPropertyOptional({ example: 0.95, minimum: 0.5, maximum: 0.999 })
  @IsOptional()
  @IsNumber(finite, mustBeNumber)
  @Min(0.5)
  @Max(0.999)
  confidenceLevel?: number;

  @ApiPropertyOptional({ enum: ANALYSIS_KINDS, default: 'frequentist' })
  @IsOptional()
  @IsIn(ANALYSIS_KINDS)
  analysis?: AnalysisKind;

  @ApiPropertyOptional({ enum: CORRECTIONS, default: 'holm' })
  @IsOptional()
  @IsIn(CORRECTIONS)
  correction?: Correction;

  @ApiPropertyOptional({ example: 'checkout-button', description: 'Default: key' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  hashSeed?: string;
}
