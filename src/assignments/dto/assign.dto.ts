import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, Length } from 'class-validator';

export class AssignDto {
  @ApiProperty({ example: 'u-1', minLength: 1, maxLength: 256 })
  @IsString()
  @Length(1, 256)
  userId: string;

  @ApiPropertyOptional({ example: { country: 'DE' }, description: 'Accepted and reserved for targeting; not used for bucketing' })
  @IsOptional()
  @IsObject()
  attributes?: Record<string, unknown>;
}

export class VariantQuery {
  @ApiProperty({ example: 'u-1', minLength: 1, maxLength: 256 })
  @IsString()
  @Length(1, 256)
  userId: string;
}
