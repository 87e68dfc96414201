import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNumber, IsOptional, Max, Min } from 'class-validator';
import { CORRECTIONS, type Correction } from '../../experiments/experiment.model';

/** Query values arrive as text; only plain decimal numbers become numbers (anything else fails validation). */
const toNumber = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?(\d+\.?\d*|\.\d+)(e-?\d+)?$/i.test(value) ? Number(value) : value;
const toBoolean = ({ value }: { value: unknown }): unknown => (value === 'true' ? true : value === 'false' ? false : value);
const finite = { allowNaN: false, allowInfinity: false };

export class SampleSizeQuery {
  @ApiPropertyOptional({ example: 0.1, description: 'Control conversion rate (conversion metrics)' })
  @IsOptional()
  @Transform(toNumber)
  @IsNumber(finite)
  baselineRate?: number;

  @ApiPropertyOptional({ example: 10, description: 'Control mean (mean metrics; needed with relative=true)' })
  @IsOptional()
  @Transform(toNumber)
  @IsNumber(finite)
  baselineMean?: number;

  @ApiPropertyOptional({ example: 25, description: 'Per-user standard deviation (mean metrics)' })
  @IsOptional()
  @Transform(toNumber)
  @IsNumber(finite)
  stdDev?: number;

  @Transform(toNumber)
  @IsNumber(finite)
  @ApiPropertyOptional({ example: 0.02, description: 'Smallest effect worth detecting (absolute, or a fraction with relative=true)' })
  minDetectableEffect: number;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  relative?: boolean;

  @ApiPropertyOptional({ default: 0.95 })
  @IsOptional()
  @Transform(toNumber)
  @IsNumber(finite)
  @Min(0.5)
  @Max(0.999)
  confidenceLevel?: number;

  @ApiPropertyOptional({ default: 0.8 })
  @IsOptional()
  @Transform(toNumber)
  @IsNumber(finite)
  @Min(0.5)
  @Max(0.999)
  power?: number;

  @ApiPropertyOptional({ default: 2 })
  @IsOptional()
  @Transform(toNumber)
  @IsInt()
  @Min(2)
  @Max(20)
  variants?: number;

  @ApiPropertyOptional({
    enum: CORRECTIONS,
    default: 'holm',
    description:
      'The correction the results will apply. holm or bh: each comparison is powered at the Bonferroni level α/comparisons (so the stated power holds under Holm and BH); none: at α',
  })
  @IsOptional()
  @IsIn(CORRECTIONS)
  correction?: Correction;

  @ApiPropertyOptional({
    description: 'Comparisons in the family (treatments × primary and secondary metrics); default variants − 1',
  })
  @IsOptional()
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(400)
  comparisons?: number;
}
