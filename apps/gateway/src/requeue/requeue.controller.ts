import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiResponse, ApiTags } from '@nestjs/swagger';
import { type Principal } from '#soma/identity';
import { currentCorrelationId } from '#soma/platform';
import {
  GetRequeueItemQuery,
  ListRequeueItemsQuery,
  OverrideRequeueItemCommand,
  RejectRequeueItemCommand,
  type RequeueItemDetail,
  type RequeueItemOverridden,
  type RequeueItemRejected,
  type RequeueItemView,
} from '#soma/requeue';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { Requires, RolesGuard } from '../auth/roles.guard.js';
import { ErrorDto } from '../sessions/sessions.dto.js';
import { ApiPage, PageCursors, type PageResponse } from '../http/pagination/index.js';
import { RequeueItemDto } from './requeue-views.dto.js';
import { DecisionReasonDto, ListRequeueItemsDto, requeueIdParam, windowOf } from './requeue.dto.js';

const ItemId = requeueIdParam('REQUEUE_ITEM_NOT_FOUND');

/** Blocked tool calls: admins review them, override one (single-use grant, audited) or reject it. */
@ApiTags('requeue')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorDto })
@ApiResponse({ status: 403, description: 'Not an admin key', type: ErrorDto })
@UseGuards(ApiKeyGuard, RolesGuard)
@Requires('admin')
@Controller('v1/requeue')
export class RequeueController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
    private readonly cursors: PageCursors,
  ) {}

  @Get()
  @ApiPage(RequeueItemDto, 'Newest first')
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListRequeueItemsDto,
  ): Promise<PageResponse<RequeueItemView>> {
    const { status, tenantId, sessionId, tool } = query;
    const scope = { list: 'requeue', tenantId: principal.tenantId };
    const page = await this.queryBus.execute(
      new ListRequeueItemsQuery(principal, this.cursors.request(query, scope), {
        ...windowOf(query),
        ...(status ? { status } : {}),
        ...(tenantId ? { tenantId } : {}),
        ...(sessionId ? { sessionId } : {}),
        ...(tool ? { tool } : {}),
      }),
    );
    return this.cursors.response(page, scope, (item) => item);
  }

  @Get(':id')
  @ApiResponse({ status: 200, description: 'The item with its request, decision, reasons and audit trail' })
  @ApiResponse({ status: 404, type: ErrorDto })
  get(@CurrentPrincipal() principal: Principal, @Param('id', ItemId) id: string): Promise<RequeueItemDetail> {
    return this.queryBus.execute(new GetRequeueItemQuery(principal, id));
  }

  @Post(':id/override')
  @HttpCode(200)
  @ApiResponse({ status: 200, description: 'Overridden; the call is re-published with a single-use grant' })
  @ApiResponse({ status: 400, description: 'A reason is required', type: ErrorDto })
  @ApiResponse({ status: 404, type: ErrorDto })
  @ApiResponse({
    status: 409,
    description:
      'Already overridden or rejected (REQUEUE_ITEM_NOT_PENDING), or a deny the caller may not override ' +
      '(REQUEUE_DECISION_FINAL: a tenant admin never overrides a deny; the operator only one whose rules all ' +
      'mark themselves overridable). The item says who may override it in `overridableBy`.',
    type: ErrorDto,
  })
  override(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ItemId) id: string,
    @Body() body: DecisionReasonDto,
  ): Promise<RequeueItemOverridden> {
    return this.commandBus.execute(
      new OverrideRequeueItemCommand(principal, id, body.reason, currentCorrelationId()),
    );
  }

  @Post(':id/reject')
  @HttpCode(200)
  @ApiResponse({ status: 200, description: 'Rejected; the session gets a final blocked result' })
  @ApiResponse({ status: 400, description: 'A reason is required', type: ErrorDto })
  @ApiResponse({ status: 404, type: ErrorDto })
  @ApiResponse({ status: 409, description: 'Already overridden or rejected', type: ErrorDto })
  reject(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ItemId) id: string,
    @Body() body: DecisionReasonDto,
  ): Promise<RequeueItemRejected> {
    return this.commandBus.execute(
      new RejectRequeueItemCommand(principal, id, body.reason, currentCorrelationId()),
    );
  }
}
