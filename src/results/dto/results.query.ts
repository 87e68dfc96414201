import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, Length } from 'class-validator';
import { ANALYSIS_KINDS, AnalysisKind } from '../../experiments/experiment.model';

const toBoolean = ({ value }: { value: unknown }): unknown => (value === 'true' ? true : value === 'false' ? false : value);

export class ResultsQuery {
  @ApiPropertyOptional({ enum: ANALYSIS_KINDS, description: "Override the experiment's analysis for this read" })
  @IsOptional()
  @IsIn(ANALYSIS_KINDS)
  analysis?: AnalysisKind;

  @ApiPropertyOptional({ description: 'true: recompute now instead of using the cached result' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  fresh?: boolean;
}

export class TimeseriesQuery {
  @ApiPropertyOptional({ description: 'Metric name (default: the primary metric)' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  metric?: string;

  @ApiPropertyOptional({ enum: ['day', 'hour'], default: 'day' })
  @IsOptional()
  @IsIn(['day', 'hour'])
  interval?: 'day' | 'hour';

  @ApiPropertyOptional({ enum: ANALYSIS_KINDS })
  @IsOptional()
  @IsIn(ANALYSIS_KINDS)
  analysis?: AnalysisKind;
}
