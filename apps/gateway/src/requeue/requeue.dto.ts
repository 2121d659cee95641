import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { requeueItemStatuses, type RequeueItemStatus } from '#soma/persistence';
import { RequeueError, type RequeueErrorCode } from '#soma/requeue';
import { PageQueryDto } from '../http/pagination/index.js';
import { IsDateTime, QueryInt, UUID_PATTERN } from '../http/query-params.dto.js';
import { UuidParam } from '../http/uuid-param.pipe.js';
import { IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';

/** An id that is not even a uuid cannot exist: the same 404 as any unknown id. */
/** Requeue ids that are not uuids are "not found", like unknown ones. */
export const requeueIdParam = (code: RequeueErrorCode) =>
  new UuidParam((value) => new RequeueError(code, `${value} not found`));

export class DecisionReasonDto {
  @ApiProperty({ example: 'reviewed the code: it only prints', description: 'Why; kept in the audit log' })
  @IsString()
  @Matches(/\S/, { message: 'reason must not be blank' })
  @MaxLength(2000)
  reason!: string;
}

export class ReplayDto {
  @ApiPropertyOptional({ example: 'OPA is back', description: 'Why; kept in the audit log' })
  @IsOptional()
  @IsString()
  @Matches(/\S/, { message: 'reason must not be blank' })
  @MaxLength(2000)
  reason?: string;
}

class TimeWindowPageDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'date-time', description: 'Created at or after (RFC 3339)' })
  @IsOptional()
  @IsDateTime()
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Created before (RFC 3339)' })
  @IsOptional()
  @IsDateTime()
  to?: string;
}

export class ListRequeueItemsDto extends TimeWindowPageDto {
  @ApiPropertyOptional({ enum: requeueItemStatuses })
  @IsOptional()
  @IsIn(requeueItemStatuses)
  status?: RequeueItemStatus;

  @ApiPropertyOptional({
    format: 'uuid',
    pattern: UUID_PATTERN,
    description: 'Operator keys only; other admins always see their own tenant',
  })
  @IsOptional()
  @IsUUID()
  tenantId?: string;

  @ApiPropertyOptional({ format: 'uuid', pattern: UUID_PATTERN })
  @IsOptional()
  @IsUUID()
  sessionId?: string;

  @ApiPropertyOptional({ example: 'code.execute' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  tool?: string;
}

export class ListAuditEventsDto extends TimeWindowPageDto {
  @ApiPropertyOptional({
    format: 'uuid',
    pattern: UUID_PATTERN,
    description: 'Operator keys only; other admins always see their own tenant',
  })
  @IsOptional()
  @IsUUID()
  tenantId?: string;

  @ApiPropertyOptional({ example: 'requeue.overridden' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  action?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    pattern: UUID_PATTERN,
    description: 'The requeue item or dead letter acted on',
  })
  @IsOptional()
  @IsUUID()
  subjectId?: string;
}

export class AuditChainQueryDto {
  @ApiPropertyOptional({
    description: "A tenant's id, or 'platform' (operator keys only; other admins read their own tenant's)",
    pattern:
      '^([Pp][Ll][Aa][Tt][Ff][Oo][Rr][Mm]|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$',
  })
  @IsOptional()
  @Matches(/^(platform|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i, {
    message: "tenantId must be a uuid or 'platform'",
  })
  tenantId?: string;

  @ApiPropertyOptional({
    minimum: 0,
    default: 0,
    description: 'Events after this seq (the `next` of a page)',
  })
  @IsOptional()
  @QueryInt(0, Number.MAX_SAFE_INTEGER)
  after?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 200 })
  @IsOptional()
  @QueryInt(1, 500)
  limit?: number;
}

export class ListDeadLettersDto extends TimeWindowPageDto {
  @ApiPropertyOptional({ example: 'tool.requests' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  sourceTopic?: string;

  @ApiPropertyOptional({ example: 'MALFORMED_JSON' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  reason?: string;

  @ApiPropertyOptional({ enum: ['stored', 'replayed'] })
  @IsOptional()
  @IsIn(['stored', 'replayed'])
  status?: 'stored' | 'replayed';

  @ApiPropertyOptional({ format: 'uuid', pattern: UUID_PATTERN })
  @IsOptional()
  @IsUUID()
  tenantId?: string;
}

/** The time window of the three lists (paging is the cursor's). */
export function windowOf(query: TimeWindowPageDto) {
  const from = query.from ? new Date(query.from) : undefined;
  const to = query.to ? new Date(query.to) : undefined;
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}
