import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiResponse, ApiTags } from '@nestjs/swagger';
import { type Principal } from '#soma/identity';
import {
  GetAuditChainQuery,
  ListAuditEventsQuery,
  type AuditChainPage,
  type AuditEventView,
} from '#soma/requeue';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { Requires, RolesGuard } from '../auth/roles.guard.js';
import { ErrorDto } from '../sessions/sessions.dto.js';
import { ApiPage, PageCursors, type PageResponse } from '../http/pagination/index.js';
import { AuditEventDto } from './requeue-views.dto.js';
import { AuditChainQueryDto, ListAuditEventsDto, windowOf } from './requeue.dto.js';

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
  constructor(
    private readonly queryBus: QueryBus,
    private readonly cursors: PageCursors,
  ) {}

  @Get()
  @ApiPage(AuditEventDto, 'Newest first')
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListAuditEventsDto,
  ): Promise<PageResponse<AuditEventView>> {
    const { tenantId, action, subjectId } = query;
    const scope = { list: 'audit-events', tenantId: principal.tenantId };
    const page = await this.queryBus.execute(
      new ListAuditEventsQuery(principal, this.cursors.request(query, scope), {
        ...windowOf(query),
        ...(tenantId ? { tenantId } : {}),
        ...(action ? { action } : {}),
        ...(subjectId ? { subjectId } : {}),
      }),
    );
    return this.cursors.response(page, scope, (event) => event);
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
