import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Allow, IsOptional, IsString, Length } from 'class-validator';

export class CompleteExperimentDto {
  @ApiPropertyOptional({ example: 'green', description: 'A variant name; every later assign serves its config' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  winner?: string;
}

export class SetStatusDto {
  @ApiProperty({ enum: ['draft', 'running', 'paused', 'completed'], example: 'running' })
  @Allow()
  // Validated by the service so the 400 can carry `validStatuses` as the contract asks.
  status: unknown;

  @ApiPropertyOptional({ example: 'green' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  winner?: string;
}
