import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsObject, IsOptional, IsString, IsUrl, Length, MaxLength, ValidateNested } from 'class-validator';
import { HealthThresholdsDto, RolloutScheduleDto } from './create-rollout.dto';

/** In draft every field; afterwards only description and healthThresholds (anything else → 409). */
export class UpdateRolloutDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(10000)
  description?: string | null;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 200)
  modelVersion?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 200)
  baselineVersion?: string | null;

  @ApiPropertyOptional({ type: RolloutScheduleDto, description: 'Replaces the schedule (stages default as on create)' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RolloutScheduleDto)
  schedule?: RolloutScheduleDto;

  @ApiPropertyOptional({ type: HealthThresholdsDto, description: 'Merged into the current thresholds; null disables a check' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => HealthThresholdsDto)
  healthThresholds?: HealthThresholdsDto;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: 'must be an http(s) URL' })
  @MaxLength(2000)
  webhookUrl?: string | null;
}
