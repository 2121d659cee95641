import { ApiProperty } from '@nestjs/swagger';
import { requeueItemStatuses, type RequeueItemStatus } from '#soma/persistence';

const nullableString = { type: String, nullable: true } as const;
const nullableInstant = { type: String, format: 'date-time', nullable: true } as const;

/** A blocked tool call waiting for review, retry or a decision. */
export class RequeueItemDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) toolCallId!: string;
  @ApiProperty({ format: 'uuid' }) tenantId!: string;
  @ApiProperty({ format: 'uuid' }) sessionId!: string;
  @ApiProperty({ example: 'code.execute' }) tool!: string;
  @ApiProperty({ enum: requeueItemStatuses }) status!: RequeueItemStatus;
  @ApiProperty({ type: 'object', additionalProperties: true }) request!: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true }) decision!: Record<string, unknown>;
  @ApiProperty({ type: [String] }) reasons!: string[];
  @ApiProperty({ enum: ['admin', 'operator'], nullable: true, description: 'Who may override it, or nobody' })
  overridableBy!: 'admin' | 'operator' | null;
  @ApiProperty({ type: 'integer' }) attempt!: number;
  @ApiProperty(nullableInstant) nextAttemptAt!: string | null;
  @ApiProperty(nullableString) resolvedBy!: string | null;
  @ApiProperty(nullableString) resolutionReason!: string | null;
  @ApiProperty(nullableInstant) resolvedAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

/** One admin action in the append-only trail. */
export class AuditEventDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) tenantId!: string;
  @ApiProperty({ example: 'requeue.overridden' }) action!: string;
  @ApiProperty({ example: 'requeue_item' }) subjectType!: string;
  @ApiProperty({ format: 'uuid' }) subjectId!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) actorKeyId!: string | null;
  @ApiProperty({ example: 'admin' }) actorRole!: string;
  @ApiProperty() reason!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) detail!: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
}

/** A message a consumer gave up on, as it was, with the reason. */
export class DeadLetterDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'tool.requests' }) sourceTopic!: string;
  @ApiProperty({ example: 'tool.requests.dlq' }) dlqTopic!: string;
  @ApiProperty(nullableString) source!: string | null;
  @ApiProperty({ example: 'MALFORMED_JSON' }) reason!: string;
  @ApiProperty() detail!: string;
  @ApiProperty(nullableString) app!: string | null;
  @ApiProperty(nullableString) key!: string | null;
  @ApiProperty({ ...nullableString, description: 'The message as UTF-8 text (maybe not valid JSON)' })
  value!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) headers!: Record<string, string>;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) eventId!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) tenantId!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) sessionId!: string | null;
  @ApiProperty({ enum: ['stored', 'replayed'] }) status!: 'stored' | 'replayed';
  @ApiProperty(nullableInstant) replayedAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}
