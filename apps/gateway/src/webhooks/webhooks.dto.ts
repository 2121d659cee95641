import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { webhookEventTypes, WebhookError, type WebhookEventType } from '#soma/webhooks';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUrl,
  MaxLength,
} from 'class-validator';
import { UuidParam } from '../http/uuid-param.pipe.js';

/** A webhook id that is not even a uuid cannot exist: the same 404 as any unknown (or another tenant's) id. */
export const WebhookIdPipe = new UuidParam(
  (value) => new WebhookError('WEBHOOK_NOT_FOUND', `${value} not found`),
);

export class CreateWebhookDto {
  @ApiProperty({
    example: 'https://example.com/hooks/soma',
    description: 'http(s); must not resolve to an internal address (checked now and at every delivery)',
  })
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  @MaxLength(2048)
  url!: string;

  @ApiProperty({ enum: webhookEventTypes, isArray: true, example: ['turn.completed', 'turn.failed'] })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(webhookEventTypes.length)
  @IsIn(webhookEventTypes, {
    each: true,
    message: `eventTypes must each be one of ${webhookEventTypes.join(', ')}`,
  })
  eventTypes!: WebhookEventType[];

  @ApiPropertyOptional({ example: 'CRM sync', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  description?: string;
}

export class WebhookDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  url!: string;

  @ApiProperty({ enum: webhookEventTypes, isArray: true })
  eventTypes!: WebhookEventType[];

  @ApiProperty({ nullable: true, type: String })
  description!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class CreatedWebhookDto extends WebhookDto {
  @ApiProperty({
    example: 'whsec_3q2-7w...',
    description: 'The signing secret: in this response only (it is kept encrypted)',
  })
  secret!: string;
}

export class WebhookDeliveryDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid', description: 'Soma-Event-Id: the same on every attempt and on a replay' })
  eventId!: string;

  @ApiProperty({ example: 'turn.completed' })
  eventType!: string;

  @ApiProperty({ enum: ['pending', 'delivered', 'dead_lettered', 'cancelled'] })
  status!: string;

  @ApiProperty({ description: 'Attempts made (a replay starts a new round)' })
  attempts!: number;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  nextAttemptAt!: string | null;

  @ApiProperty({ nullable: true, type: Number })
  lastStatusCode!: number | null;

  @ApiProperty({ nullable: true, type: String })
  lastError!: string | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  deliveredAt!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}
