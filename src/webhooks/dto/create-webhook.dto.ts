import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { ALL_EVENTS, SUBSCRIBABLE_EVENT_TYPES } from '../webhook-events';
import { WEBHOOK_FORMATS, type WebhookFormat } from '../webhook.store';

export const EVENT_CHOICES = [...SUBSCRIBABLE_EVENT_TYPES, ALL_EVENTS] as const;
export const MAX_DESCRIPTION_LENGTH = 500;

export class CreateWebhookDto {
  @ApiProperty({ example: 'https://hooks.example.com/experimentation', maxLength: 2048 })
  @IsString()
  @MaxLength(2048)
  url: string;

  @ApiProperty({ enum: EVENT_CHOICES, isArray: true, example: ['rollout.rolled_back', 'alert.raised'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(EVENT_CHOICES.length)
  @ArrayUnique()
  @IsString({ each: true })
  @IsIn(EVENT_CHOICES, { each: true, message: `each entry must be "*" or one of ${SUBSCRIBABLE_EVENT_TYPES.join(', ')}` })
  events: string[];

  @ApiPropertyOptional({ maxLength: MAX_DESCRIPTION_LENGTH, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_DESCRIPTION_LENGTH)
  description?: string | null;

  @ApiPropertyOptional({ enum: WEBHOOK_FORMATS, default: 'standard' })
  @IsOptional()
  @IsIn(WEBHOOK_FORMATS)
  format?: WebhookFormat;
}
