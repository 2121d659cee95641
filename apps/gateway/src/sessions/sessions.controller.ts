import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  CancelTurnCommand,
  ConversationError,
  CreateSessionCommand,
  ListMessagesQuery,
  ListTurnsQuery,
  PostUserMessageCommand,
} from '#soma/conversation';
import { type Principal } from '#soma/identity';
import { OPEN_TURN_STATUSES } from '#soma/persistence';
import { currentCorrelationId, SomaConfig } from '#soma/platform';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import {
  ApiPage,
  HEAVY_PAGE_LIMIT_DEFAULT,
  HEAVY_PAGE_LIMIT_MAX,
  HeavyPageQueryDto,
  PageCursors,
  PageQueryDto,
  type PageResponse,
} from '../http/pagination/index.js';
import { SessionIdPipe, UuidParam } from '../http/uuid-param.pipe.js';
import type { Response } from 'express';
import {
  CancelledTurnDto,
  CreateSessionDto,
  ErrorDto,
  MessageDto,
  PostMessageDto,
  SessionCreatedDto,
  TurnAcceptedDto,
  TurnDto,
  TurnInProgressDto,
} from './sessions.dto.js';

const TurnIdPipe = new UuidParam(
  (value) => new ConversationError('TURN_NOT_FOUND', `turn ${value} not found`),
);

// Spelled out (not \w): the document's pattern must mean the same to every regex engine that reads it.
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,200}$/;

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
    private readonly cursors: PageCursors,
  ) {}

  @Post()
  @ApiBody({
    type: CreateSessionDto,
    required: false,
    description: 'Every field is optional; so is the body',
  })
  @ApiResponse({ status: 201, type: SessionCreatedDto })
  @ApiResponse({ status: 400, type: ErrorDto })
  @ApiResponse({ status: 404, description: 'Unknown model profile', type: ErrorDto })
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateSessionDto,
  ): Promise<SessionCreatedDto> {
    return this.commandBus.execute(
      new CreateSessionCommand(
        principal.tenantId,
        body.title ?? null,
        body.modelProfile ?? null,
        body.replay ?? null,
        principal.keyId,
      ),
    );
  }

  @Post(':id/messages')
  @HttpCode(202)
  @ApiResponse({ status: 202, description: 'Accepted; the reply streams on /events', type: TurnAcceptedDto })
  @ApiResponse({ status: 400, type: ErrorDto })
  @ApiResponse({ status: 404, type: ErrorDto })
  @ApiResponse({
    status: 409,
    description:
      'IDEMPOTENCY_KEY_REUSED: Idempotency-Key reused with another message; TURN_IN_PROGRESS (ifBusy=reject): ' +
      'a turn of the session is open, its id in turnId',
    type: TurnInProgressDto,
  })
  @ApiResponse({ status: 413, type: ErrorDto })
  @ApiResponse({
    status: 429,
    description: 'Token budget used up (Retry-After: seconds to reset)',
    type: ErrorDto,
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Repeating a POST with the same key returns the same turn',
    schema: { type: 'string', pattern: IDEMPOTENCY_KEY.source, minLength: 1, maxLength: 200 },
  })
  post(
    @CurrentPrincipal() principal: Principal,
    @Param('id', SessionIdPipe) sessionId: string,
    @Body() body: PostMessageDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
  ): Promise<TurnAcceptedDto> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      const message = 'Idempotency-Key must be 1-200 characters of letters, digits, _ . : -';
      throw new BadRequestException({
        error: 'VALIDATION_FAILED',
        message,
        fields: [{ field: 'Idempotency-Key', errors: [message] }],
      });
    }
    if (body.content.length > this.config.messageMaxChars) {
      const message = `content must be at most ${this.config.messageMaxChars} characters`;
      throw new BadRequestException({
        error: 'VALIDATION_FAILED',
        message,
        fields: [{ field: 'content', errors: [message] }],
      });
    }
    const correlationId = currentCorrelationId();
    return this.commandBus.execute(
      new PostUserMessageCommand(
        principal.tenantId,
        sessionId,
        body.content,
        correlationId,
        idempotencyKey ?? null,
        { role: principal.role, keyId: principal.keyId },
        body.ifBusy ?? 'enqueue',
        body.toolAllowance ? { tools: body.toolAllowance.tools, choice: body.toolAllowance.choice } : null,
      ),
    );
  }

  @Post(':id/turns/:turnId/cancel')
  @ApiResponse({
    status: 200,
    description: 'The turn has ended (cancelled, or it had ended before)',
    type: CancelledTurnDto,
  })
  @ApiResponse({
    status: 202,
    description:
      'Cancel recorded; the run had not stopped within 5 s (its worker is down or frozen): it ends later',
    type: CancelledTurnDto,
  })
  @ApiResponse({ status: 404, description: 'No such turn in a session of your tenant', type: ErrorDto })
  async cancel(
    @CurrentPrincipal() principal: Principal,
    @Param('id', SessionIdPipe) sessionId: string,
    @Param('turnId', TurnIdPipe) turnId: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<CancelledTurnDto> {
    const state = await this.commandBus.execute(
      new CancelTurnCommand(
        principal.tenantId,
        sessionId,
        turnId,
        { role: principal.role, keyId: principal.keyId, via: 'api' },
        currentCorrelationId(),
      ),
    );
    response.status(OPEN_TURN_STATUSES.includes(state.status) ? 202 : 200);
    return {
      turnId: state.turnId,
      status: state.status,
      cancelRequested: state.cancelRequested,
      cancelledBy: state.cancelledBy,
    };
  }

  @Get(':id/messages')
  @ApiOperation({ summary: 'The history in conversation order, a page at a time' })
  @ApiPage(MessageDto)
  @ApiResponse({ status: 404, type: ErrorDto })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Param('id', SessionIdPipe) sessionId: string,
    @Query() query: PageQueryDto,
  ): Promise<PageResponse<MessageDto>> {
    const scope = { list: 'messages', tenantId: principal.tenantId, parentId: sessionId };
    const request = this.cursors.request(query, scope);
    const page = await this.queryBus.execute(new ListMessagesQuery(principal.tenantId, sessionId, request));
    return this.cursors.response(page, scope, (m) => ({
      id: m.id,
      role: m.role,
      content: m.content,
      turnId: m.turnId,
      toolCallId: m.toolCallId,
      classification: m.classification,
      status: m.status,
      createdAt: m.createdAt.toISOString(),
    }));
  }

  @Get(':id/turns')
  @ApiOperation({
    summary: 'Turns in order with status, usage and the exact context each sent',
    description: `Items carry their whole model context: pages are smaller (limit 1..${HEAVY_PAGE_LIMIT_MAX}, default ${HEAVY_PAGE_LIMIT_DEFAULT}).`,
  })
  @ApiPage(TurnDto)
  @ApiResponse({ status: 404, type: ErrorDto })
  async turns(
    @CurrentPrincipal() principal: Principal,
    @Param('id', SessionIdPipe) sessionId: string,
    @Query() query: HeavyPageQueryDto,
  ): Promise<PageResponse<TurnDto>> {
    const scope = { list: 'turns', tenantId: principal.tenantId, parentId: sessionId };
    const request = this.cursors.request(query, scope, HEAVY_PAGE_LIMIT_DEFAULT);
    const page = await this.queryBus.execute(new ListTurnsQuery(principal.tenantId, sessionId, request));
    return this.cursors.response(page, scope, (t) => ({
      id: t.id,
      status: t.status,
      cancelledBy: t.cancelledBy,
      instanceId: t.leaseOwner,
      attempts: t.attempt,
      userMessageId: t.userMessageId,
      assistantMessageId: t.assistantMessageId,
      modelProfileId: t.modelProfileId,
      toolAllowance: t.toolAllowance,
      errorCode: t.errorCode,
      errorMessage: t.errorMessage,
      usage:
        t.promptTokens === null || t.completionTokens === null
          ? null
          : {
              promptTokens: t.promptTokens,
              completionTokens: t.completionTokens,
              totalTokens: t.promptTokens + t.completionTokens,
            },
      context: t.context,
      contextTokens: t.contextTokens,
      contextDigest: t.contextDigest,
      droppedMessages: t.droppedMessages,
      createdAt: t.createdAt.toISOString(),
      completedAt: t.completedAt?.toISOString() ?? null,
      generationStartedAt: t.generationStartedAt?.toISOString() ?? null,
      generationEndedAt: t.generationEndedAt?.toISOString() ?? null,
    }));
  }
}
