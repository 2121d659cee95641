import { Body, Controller, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiResponse, ApiTags } from '@nestjs/swagger';
import { type Principal } from '#soma/identity';
import { currentCorrelationId } from '#soma/platform';
import { RequestToolCallCommand } from '#soma/tools';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { SessionIdPipe } from '../http/uuid-param.pipe.js';
import { ErrorDto } from '../sessions/sessions.dto.js';
import { RequestToolCallDto, ToolCallAcceptedDto } from './tool-calls.dto.js';

@ApiTags('tools')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'Missing or invalid API key', type: ErrorDto })
@UseGuards(ApiKeyGuard)
@Controller('v1/sessions')
export class ToolCallsController {
  constructor(private readonly commandBus: CommandBus) {}

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
