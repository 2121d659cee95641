import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiResponse, ApiTags } from '@nestjs/swagger';
import { type Principal } from '#soma/identity';
import {
  GetAuditChainQuery,
  ListAuditEventsQuery,
  type AuditChainPage,
  type AuditEventView,
  type Page,
} from '#soma/requeue';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { Requires, RolesGuard } from '../auth/roles.guard.js';
import { ErrorDto } from '../sessions/sessions.dto.js';
import { AuditChainQueryDto, ListAuditEventsDto, pageOf } from './requeue.dto.js';

/**
 * The append-only, hash-chained trail of admin and operator actions: a tenant's admins read theirs, the operator
 * every tenant's and the platform's (docs/audit.md).
 */
@ApiTags('audit')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorDto })
@ApiResponse({ status: 403, description: 'Not an admin key', type: ErrorDto })
@UseGuards(ApiKeyGuard, RolesGuard)
@Requires('admin')
@Controller('v1/audit-events')
export class AuditEventsController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  @ApiResponse({
    status: 200,
    description:
      '{ items: [{ id, tenantId, action, subjectType, subjectId, actor…, reason, detail }], total }',
  })
  @ApiResponse({ status: 400, type: ErrorDto })
  list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListAuditEventsDto,
  ): Promise<Page<AuditEventView>> {
    const { tenantId, action, subjectId } = query;
    return this.queryBus.execute(
      new ListAuditEventsQuery(principal, {
        ...pageOf(query),
        ...(tenantId ? { tenantId } : {}),
        ...(action ? { action } : {}),
        ...(subjectId ? { subjectId } : {}),
      }),
    );
  }

  /** One chain in order with its hashes, to verify it (`soma audit verify`); page with `after` = `next`. */
  @Get('chain')
  @ApiResponse({
    status: 200,
    description:
      '{ chain, items: [{ id, tenantId, seq, prevHash, hash, actor…, action, subject…, reason, detail, occurredAt }], next }',
  })
  @ApiResponse({ status: 400, type: ErrorDto })
  @ApiResponse({ status: 404, description: "Another tenant's chain (AUDIT_CHAIN_NOT_FOUND)", type: ErrorDto })
  chain(
    @CurrentPrincipal() principal: Principal,
    @Query() query: AuditChainQueryDto,
  ): Promise<AuditChainPage> {
    return this.queryBus.execute(
      new GetAuditChainQuery(principal, query.tenantId?.toLowerCase(), query.after ?? 0, query.limit ?? 200),
    );
  }
}
