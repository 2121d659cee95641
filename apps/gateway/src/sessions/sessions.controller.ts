import { BadRequestException, Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CreateSessionCommand, ListMessagesQuery, PostUserMessageCommand } from '#soma/conversation';
import { type Principal } from '#soma/identity';
import { correlationStore, SomaConfig } from '#soma/platform';
import { randomUUID } from 'node:crypto';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { SessionIdPipe } from './session-id.pipe.js';
import {
  CreateSessionDto,
  ErrorDto,
  MessageDto,
  PostMessageDto,
  SessionCreatedDto,
  TurnAcceptedDto,
} from './sessions.dto.js';

@ApiTags('sessions')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'Missing or invalid API key', type: ErrorDto })
@UseGuards(ApiKeyGuard)
@Controller('v1/sessions')
export class SessionsController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
    private readonly config: SomaConfig,
  ) {}

  @Post()
  @ApiResponse({ status: 201, type: SessionCreatedDto })
  @ApiResponse({ status: 400, type: ErrorDto })
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateSessionDto,
  ): Promise<SessionCreatedDto> {
    return this.commandBus.execute(new CreateSessionCommand(principal.tenantId, body.title ?? null));
  }

  @Post(':id/messages')
  @HttpCode(202)
  @ApiResponse({ status: 202, description: 'Accepted; the reply streams on /events', type: TurnAcceptedDto })
  @ApiResponse({ status: 400, type: ErrorDto })
  @ApiResponse({ status: 404, type: ErrorDto })
  @ApiResponse({ status: 413, type: ErrorDto })
  post(
    @CurrentPrincipal() principal: Principal,
    @Param('id', SessionIdPipe) sessionId: string,
    @Body() body: PostMessageDto,
  ): Promise<TurnAcceptedDto> {
    if (body.content.length > this.config.messageMaxChars) {
      const message = `content must be at most ${this.config.messageMaxChars} characters`;
      throw new BadRequestException({
        error: 'VALIDATION_FAILED',
        message,
        fields: [{ field: 'content', errors: [message] }],
      });
    }
    const correlationId = correlationStore.getStore()?.correlationId ?? randomUUID();
    return this.commandBus.execute(
      new PostUserMessageCommand(principal.tenantId, sessionId, body.content, correlationId),
    );
  }

  @Get(':id/messages')
  @ApiResponse({ status: 200, type: [MessageDto] })
  @ApiResponse({ status: 404, type: ErrorDto })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Param('id', SessionIdPipe) sessionId: string,
  ): Promise<MessageDto[]> {
    const messages = await this.queryBus.execute(new ListMessagesQuery(principal.tenantId, sessionId));
    return messages.map((m) => ({
      id: m.id,
      role: m.role,
      content: m.content,
      turnId: m.turnId,
      createdAt: m.createdAt.toISOString(),
    }));
  }
}
