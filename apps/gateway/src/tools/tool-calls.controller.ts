import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { type Principal } from '#soma/identity';
import { currentCorrelationId } from '#soma/platform';
import { ListToolCallsQuery, RequestToolCallCommand, type ToolCallView } from '#soma/tools';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import {
  ApiPage,
  HEAVY_PAGE_LIMIT_DEFAULT,
  HEAVY_PAGE_LIMIT_MAX,
  HeavyPageQueryDto,
  PageCursors,
  type PageResponse,
} from '../http/pagination/index.js';
import { SessionIdPipe } from '../http/uuid-param.pipe.js';
import { ErrorDto } from '../sessions/sessions.dto.js';
import { RequestToolCallDto, ToolCallAcceptedDto, ToolCallDto } from './tool-calls.dto.js';

@ApiTags('tools')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'Missing or invalid API key', type: ErrorDto })
@UseGuards(ApiKeyGuard)
@Controller('v1/sessions')
export class ToolCallsController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
    private readonly cursors: PageCursors,
  ) {}

  @Get(':id/tool-calls')
  @ApiOperation({
    summary: "The session's tool calls in order, with results and every policy decision and its reasons",
    description: `Outputs reach 512 KB each: pages are smaller (limit 1..${HEAVY_PAGE_LIMIT_MAX}, default ${HEAVY_PAGE_LIMIT_DEFAULT}).`,
  })
  @ApiPage(ToolCallDto)
  @ApiResponse({ status: 404, type: ErrorDto })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Param('id', SessionIdPipe) sessionId: string,
    @Query() query: HeavyPageQueryDto,
  ): Promise<PageResponse<ToolCallView>> {
    const scope = { list: 'tool-calls', tenantId: principal.tenantId, parentId: sessionId };
    const request = this.cursors.request(query, scope, HEAVY_PAGE_LIMIT_DEFAULT);
    const page = await this.queryBus.execute(new ListToolCallsQuery(principal.tenantId, sessionId, request));
    return this.cursors.response(page, scope, (call) => call);
  }

  @Post(':id/tool-calls')
  @HttpCode(202)
  @ApiResponse({
    status: 202,
    description: 'Accepted; policy decides, then the tool runs',
    type: ToolCallAcceptedDto,
  })
  @ApiResponse({
    status: 400,
    description: 'Unknown tool or arguments not matching its schema',
    type: ErrorDto,
  })
  @ApiResponse({ status: 404, type: ErrorDto })
  request(
    @CurrentPrincipal() principal: Principal,
    @Param('id', SessionIdPipe) sessionId: string,
    @Body() body: RequestToolCallDto,
  ): Promise<ToolCallAcceptedDto> {
    const correlationId = currentCorrelationId();
    return this.commandBus.execute(
      new RequestToolCallCommand(
        principal.tenantId,
        { role: principal.role, keyId: principal.keyId },
        sessionId,
        body.tool,
        body.arguments,
        correlationId,
      ),
    );
  }
}
