import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiResponse, ApiTags } from '@nestjs/swagger';
import { type Principal } from '#soma/identity';
import { currentCorrelationId } from '#soma/platform';
import {
  AnswerToolApprovalCommand,
  ListToolApprovalsQuery,
  toolApprovalAnswer,
  type ToolApprovalAnswered,
  type ToolApprovalView,
} from '#soma/requeue';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { ApiPage, PageCursors, type PageResponse } from '../http/pagination/index.js';
import { requeueIdParam } from '../requeue/requeue.dto.js';
import {
  AnswerApprovalDto,
  ApprovalAnsweredDto,
  ListApprovalsDto,
  ToolApprovalDto,
} from './session-approvals.dto.js';
import { ErrorDto } from './sessions.dto.js';

const Id = requeueIdParam('APPROVAL_NOT_FOUND');

/**
 * Approval in the chat: tool calls that policy sends to the session's own user. Only the key that created the
 * session, or an admin of its tenant, sees and answers them; anyone else gets 404.
 */
@ApiTags('sessions')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorDto })
@ApiResponse({ status: 404, description: "Unknown session or approval, or not this key's", type: ErrorDto })
@UseGuards(ApiKeyGuard)
@Controller('v1/sessions/:id/approvals')
export class SessionApprovalsController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
    private readonly cursors: PageCursors,
  ) {}

  @Get()
  @ApiPage(ToolApprovalDto, 'Oldest first; pending by default')
  async list(
    @CurrentPrincipal() principal: Principal,
    @Param('id', Id) sessionId: string,
    @Query() query: ListApprovalsDto,
  ): Promise<PageResponse<ToolApprovalView>> {
    const scope = { list: 'approvals', tenantId: principal.tenantId, parentId: sessionId };
    const request = this.cursors.request(query, scope);
    const page = await this.queryBus.execute(
      new ListToolApprovalsQuery(principal, sessionId, request, query.status),
    );
    return this.cursors.response(page, scope, (approval) => approval);
  }

  @Post(':toolCallId')
  @HttpCode(200)
  @ApiResponse({ status: 200, type: ApprovalAnsweredDto })
  @ApiResponse({
    status: 400,
    description: 'Edited arguments break the schema (fields named)',
    type: ErrorDto,
  })
  @ApiResponse({
    status: 409,
    description: 'APPROVAL_ALREADY_ANSWERED (with the recorded status) or APPROVAL_EXPIRED',
    type: ErrorDto,
  })
  answer(
    @CurrentPrincipal() principal: Principal,
    @Param('id', Id) sessionId: string,
    @Param('toolCallId', Id) toolCallId: string,
    @Body() body: AnswerApprovalDto,
  ): Promise<ToolApprovalAnswered> {
    return this.commandBus.execute(
      new AnswerToolApprovalCommand(
        principal,
        sessionId,
        toolCallId,
        toolApprovalAnswer(body),
        currentCorrelationId(),
      ),
    );
  }
}
