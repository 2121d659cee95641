import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Logger,
  Param,
  Post,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { terminalEventTypes } from '#soma/contracts';
import { GetOpenTurnQuery, GetSessionQuery, PostUserMessageCommand } from '#soma/conversation';
import { ResolveApiKeyQuery, type Principal } from '#soma/identity';
import { currentCorrelationId, SomaConfig } from '#soma/platform';
import type { Request, Response } from 'express';
import { ApiKeyGuard, bearerToken } from '../auth/api-key.guard.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { ValidationErrorDto } from '../http/errors.dto.js';
import { SessionIdPipe } from '../http/uuid-param.pipe.js';
import { ErrorDto, TurnInProgressDto } from '../sessions/sessions.dto.js';
import { StreamDeliveryService } from '../streaming/stream-delivery.service.js';
import { UiChatRequestDto, userTextOf } from './ui-chat.dto.js';
import { toOutboundEvent, UiMessageChunkTranslator, type UiMessageChunk } from './ui-message-chunk.mapper.js';

const KEEP_ALIVE_MS = 15_000;
const frame = (chunk: UiMessageChunk): string => `data: ${JSON.stringify(chunk)}\n\n`;
const DONE = 'data: [DONE]\n\n';
const REVOKED = frame({ type: 'error', errorText: 'API_KEY_INVALID: the API key was revoked' });

const STREAM_RESPONSE = {
  status: 200,
  description:
    'The UI message stream (v1, header x-vercel-ai-ui-message-stream: v1): one turn as `data: <chunk JSON>` frames, ' +
    'then `data: [DONE]`',
  content: {
    'text/event-stream': {
      schema: {
        type: 'string',
        description:
          'Frames `data: <UI message chunk JSON>` separated by blank lines, `: keep-alive` comments, ' +
          'ending with `data: [DONE]`',
      },
      example: 'data: {"type":"start","messageId":"…"}\n\ndata: {"type":"start-step"}\n\n…data: [DONE]\n\n',
    },
  },
} as const;

/** The Vercel AI SDK's chat transport (docs/ui-message-stream.md): useChat against a session. */
@ApiTags('ui-chat')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'Missing or invalid API key', type: ErrorDto })
@UseGuards(ApiKeyGuard)
@Controller('v1/ui/chat')
export class UiChatController {
  private readonly logger = new Logger(UiChatController.name);

  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
    private readonly delivery: StreamDeliveryService,
    private readonly config: SomaConfig,
  ) {}

  @Post()
  @ApiOperation({
    summary: "Post the last user message's text as a turn and stream its reply (AI SDK DefaultChatTransport)",
  })
  @ApiResponse(STREAM_RESPONSE)
  @ApiResponse({
    status: 400,
    description:
      'VALIDATION_FAILED: not a uuid id, a trigger other than submit-message, no user text in the last message, ' +
      'text over SOMA_MESSAGE_MAX_CHARS',
    type: ValidationErrorDto,
  })
  @ApiResponse({ status: 404, description: 'SESSION_NOT_FOUND', type: ErrorDto })
  @ApiResponse({ status: 409, description: 'TURN_IN_PROGRESS (ifBusy=reject)', type: TurnInProgressDto })
  @ApiResponse({ status: 413, type: ErrorDto })
  @ApiResponse({
    status: 429,
    description: 'Rate limited or token budget used up (Retry-After)',
    type: ErrorDto,
  })
  async chat(
    @CurrentPrincipal() principal: Principal,
    @Body() body: UiChatRequestDto,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const content = userTextOf(body.messages);
    if (content === null || content.length > this.config.messageMaxChars) {
      const message =
        content === null
          ? 'the last message must be a user message with text'
          : `the text must be at most ${this.config.messageMaxChars} characters`;
      throw new BadRequestException({
        error: 'VALIDATION_FAILED',
        message,
        fields: [{ field: 'messages', errors: [message] }],
      });
    }
    const sessionId = body.id.toLowerCase();
    // Read before the post: the new turn's events all come after it.
    const { lastSeq } = await this.queryBus.execute(new GetSessionQuery(principal.tenantId, sessionId));
    const { turnId } = await this.commandBus.execute(
      new PostUserMessageCommand(
        principal.tenantId,
        sessionId,
        content,
        currentCorrelationId(),
        null,
        { role: principal.role, keyId: principal.keyId },
        body.ifBusy ?? 'enqueue',
      ),
    );
    await this.streamTurn(principal, sessionId, turnId, lastSeq, request, response);
  }

  @Get(':chatId/stream')
  @ApiOperation({
    summary:
      "Resume the session's open turn from its first event (AI SDK reconnectToStream); 204 when none is open",
  })
  @ApiResponse(STREAM_RESPONSE)
  @ApiResponse({ status: 204, description: 'No turn is open: nothing to resume' })
  @ApiResponse({ status: 404, description: 'SESSION_NOT_FOUND', type: ErrorDto })
  async resume(
    @CurrentPrincipal() principal: Principal,
    @Param('chatId', SessionIdPipe) sessionId: string,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const open = await this.queryBus.execute(new GetOpenTurnQuery(principal.tenantId, sessionId));
    if (!open) {
      response.status(204).end();
      return;
    }
    await this.streamTurn(principal, sessionId, open.turnId, open.afterSeq, request, response);
  }

  /** One turn's events after `afterSeq` (replay, then live) through a fresh translator, until its terminal event. */
  private async streamTurn(
    principal: Principal,
    sessionId: string,
    turnId: string,
    afterSeq: number,
    request: Request,
    response: Response,
  ): Promise<void> {
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
      'x-vercel-ai-ui-message-stream': 'v1',
    });
    response.flushHeaders();
    const output = this.delivery.sseOutput(response);
    const translator = new UiMessageChunkTranslator();
    let finished = false;
    const subscription: { close?: () => void } = {};
    const keepAlive = setInterval(() => {
      output.write(': keep-alive\n\n');
    }, KEEP_ALIVE_MS);
    const stop = (): void => {
      finished = true;
      clearInterval(keepAlive);
      subscription.close?.();
    };
    // The response's close (not the request's, which may fire once a POST body is read): the client went away.
    response.on('close', stop);
    const deliver = (event: Parameters<typeof toOutboundEvent>[0]): void => {
      if (finished || event.data.turnId !== turnId) return;
      const typed = toOutboundEvent(event);
      if (!typed) {
        this.logger.warn({ msg: 'event refused by its contract, not streamed', sessionId, seq: event.seq });
        return;
      }
      output.write(translator.translate(typed).map(frame).join(''));
      if (terminalEventTypes.includes(typed.type)) {
        stop();
        output.end(DONE);
      }
    };
    const close = await this.delivery.open(
      principal,
      sessionId,
      afterSeq,
      output,
      () => {
        stop();
        output.end(REVOKED + DONE);
      },
      deliver,
    );
    subscription.close = close;
    if (finished) {
      close();
      return;
    }
    // Registered for revocation only now: a key revoked in between would have missed it, so check it once more.
    await this.queryBus
      .execute(new ResolveApiKeyQuery(bearerToken(request.headers.authorization)))
      .catch(() => {
        stop();
        output.end(REVOKED + DONE);
      });
  }
}
