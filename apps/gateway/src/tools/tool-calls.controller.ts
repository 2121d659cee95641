import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiResponse, ApiTags } from '@nestjs/swagger';
import { type Principal } from '#soma/identity';
import { currentCorrelationId } from '#soma/platform';
import { ListToolCallsQuery, RequestToolCallCommand, type ToolCallView } from '#soma/tools';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
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
  ) {}

  @Get(':id/tool-calls')
  @ApiResponse({
    status: 200,
    description: "The session's tool calls in order, with results and every policy decision and its reasons",
    type: [ToolCallDto],
  })
  @ApiResponse({ status: 404, type: ErrorDto })
  list(
    @CurrentPrincipal() principal: Principal,
    @Param('id', SessionIdPipe) sessionId: string,
  ): Promise<ToolCallView[]> {
    return this.queryBus.execute(new ListToolCallsQuery(principal.tenantId, sessionId));
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
