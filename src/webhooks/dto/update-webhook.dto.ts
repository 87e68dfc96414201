import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { SUBSCRIBABLE_EVENT_TYPES } from '../webhook-events';
import { WEBHOOK_FORMATS, type WebhookFormat } from '../webhook.store';
import { EVENT_CHOICES, MAX_DESCRIPTION_LENGTH } from './create-webhook.dto';

/** Any subset of the fields; a new `url` is checked as on create. The secret changes only by rotation. */
export class UpdateWebhookDto {
  @ApiPropertyOptional({ maxLength: 2048 })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional({ enum: EVENT_CHOICES, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(EVENT_CHOICES.length)
  @ArrayUnique()
  @IsString({ each: true })
  @IsIn(EVENT_CHOICES, { each: true, message: `each entry must be "*" or one of ${SUBSCRIBABLE_EVENT_TYPES.join(', ')}` })
  events?: string[];

  @ApiPropertyOptional({ maxLength: MAX_DESCRIPTION_LENGTH, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_DESCRIPTION_LENGTH)
  description?: string | null;

  @ApiPropertyOptional({ enum: WEBHOOK_FORMATS })
  @IsOptional()
  @IsIn(WEBHOOK_FORMATS)
  format?: WebhookFormat;

  @ApiPropertyOptional({ description: 'false: no new deliveries are written for it (pending ones still go out)' })
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}
