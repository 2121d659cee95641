import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiResponse, ApiTags } from '@nestjs/swagger';
import { type Principal } from '#soma/identity';
import { currentCorrelationId } from '#soma/platform';
import {
  ListDeadLettersQuery,
  ReplayDeadLetterCommand,
  type DeadLetterReplayed,
  type DeadLetterView,
} from '#soma/requeue';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { Requires, RolesGuard } from '../auth/roles.guard.js';
import { ErrorDto } from '../sessions/sessions.dto.js';
import { ApiPage, PageCursors, type PageResponse } from '../http/pagination/index.js';
import { DeadLetterDto } from './requeue-views.dto.js';
import { ListDeadLettersDto, ReplayDto, requeueIdParam, windowOf } from './requeue.dto.js';

/** Messages any consumer of any app gave up on, with reason codes: operator admins list and replay them. */
@ApiTags('dead-letters')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorDto })
@ApiResponse({ status: 403, description: 'Not an operator admin key', type: ErrorDto })
@UseGuards(ApiKeyGuard, RolesGuard)
@Requires('operator')
@Controller('v1/dead-letters')
export class DeadLettersController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
    private readonly cursors: PageCursors,
  ) {}

  @Get()
  @ApiPage(DeadLetterDto, 'Newest first')
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListDeadLettersDto,
  ): Promise<PageResponse<DeadLetterView>> {
    const { sourceTopic, reason, status, tenantId } = query;
    const scope = { list: 'dead-letters', tenantId: principal.tenantId };
    const page = await this.queryBus.execute(
      new ListDeadLettersQuery(this.cursors.request(query, scope), {
        ...windowOf(query),
        ...(sourceTopic ? { sourceTopic } : {}),
        ...(reason ? { reason } : {}),
        ...(status ? { status } : {}),
        ...(tenantId ? { tenantId } : {}),
      }),
    );
    return this.cursors.response(page, scope, (letter) => letter);
  }

  @Post(':id/replay')
  @HttpCode(200)
  @ApiResponse({ status: 200, description: 'Re-published to its source topic under a new event id' })
  @ApiResponse({ status: 400, description: 'A reason is required', type: ErrorDto })
  @ApiResponse({ status: 404, type: ErrorDto })
  @ApiResponse({ status: 409, description: 'Already replayed', type: ErrorDto })
  @ApiResponse({ status: 422, description: 'Not a valid message of its topic', type: ErrorDto })
  replay(
    @CurrentPrincipal() principal: Principal,
    @Param('id', requeueIdParam('DEAD_LETTER_NOT_FOUND')) id: string,
    @Body() body: ReplayDto,
  ): Promise<DeadLetterReplayed> {
    const correlationId = currentCorrelationId();
    return this.commandBus.execute(
      new ReplayDeadLetterCommand(principal, id, body.reason ?? 'replayed by an operator', correlationId),
    );
  }
}
