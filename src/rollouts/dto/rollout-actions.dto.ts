import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsNumber, IsOptional, IsString, Length, Max, MaxLength, Min } from 'class-validator';
import { PageQuery } from '../../common/pagination';
import { ROLLOUT_STATUSES, RolloutStatus } from '../rollout.model';

export class ListRolloutsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ROLLOUT_STATUSES })
  @IsOptional()
  @IsIn(ROLLOUT_STATUSES)
  status?: RolloutStatus;

  @ApiPropertyOptional({ example: 'v2.0.0' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  modelVersion?: string;
}

/** Optional body of pause, resume, promote and rollback: why, for the history. */
export class ReasonDto {
  @ApiPropertyOptional({ example: 'p99 latency alarms in eu-west' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}

export class StartRolloutDto {
  @ApiPropertyOptional({ example: '2026-11-23T10:00:00Z', description: 'Overrides schedule.startTime; in the future → scheduled' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'must be an ISO-8601 date, e.g. 2026-11-23T10:00:00Z' })
  startTime?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}

export class SetPercentageDto {
  @ApiProperty({ example: 12.5, minimum: 0, maximum: 100, description: '0–100 in 0.01 steps' })
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be a finite number' })
  @Min(0)
  @Max(100)
  percentage: number;

  @ApiPropertyOptional({ example: 'hold at 12.5 % over the weekend' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}
