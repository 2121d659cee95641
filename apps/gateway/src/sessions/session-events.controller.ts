import {
  BadRequestException,
  Controller,
  Get,
  Headers,
  Param,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { CancelOpenTurnsCommand } from '#soma/conversation';
import { currentCorrelationId } from '#soma/platform';
import { ResolveApiKeyQuery, type Principal } from '#soma/identity';
import type { Request, Response } from 'express';
import { ApiKeyGuard, bearerToken } from '../auth/api-key.guard.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { StreamDeliveryService } from '../streaming/stream-delivery.service.js';
import { SessionIdPipe } from '../http/uuid-param.pipe.js';
import { ValidationErrorDto } from '../http/errors.dto.js';
import { ErrorDto } from './sessions.dto.js';

const KEEP_ALIVE_MS = 15_000;
/** A seq: decimal digits, spaces or tabs around them allowed; empty means from the start. */
const SEQ = /^[ \t]*(\d{1,15})[ \t]*$/;
const SEQ_PATTERN = `^$|${SEQ.source}`;

/**
 * The seq to resume after: Last-Event-ID first, then afterSeq; absent → 0. Strictly decimal and bounded, one value
 * each (a repeated afterSeq is an array): checked before any header is written, so a bad one is a 400.
 */
function parseSeq(lastEventId: unknown, afterSeq: unknown): number {
  for (const [field, candidate] of [
    ['Last-Event-ID', lastEventId],
    ['afterSeq', afterSeq],
  ] as const) {
    if (candidate === undefined || candidate === '') continue;
    const digits = typeof candidate === 'string' ? SEQ.exec(candidate)?.[1] : undefined;
    if (digits !== undefined) return Number(digits);
    const message = `${field} must be one non-negative integer (a seq)`;
    throw new BadRequestException({
      error: 'VALIDATION_FAILED',
      message,
      fields: [{ field, errors: [message] }],
    });
  }
  return 0;
}

const REVOKED_FRAME = { code: 'API_KEY_INVALID', message: 'the API key was revoked' };

@ApiTags('sessions')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'Missing or invalid API key', type: ErrorDto })
@UseGuards(ApiKeyGuard)
@Controller('v1/sessions')
export class SessionEventsController {
  constructor(
    private readonly delivery: StreamDeliveryService,
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
  ) {}

  /** Server-sent events: replays what the client missed (Last-Event-ID or afterSeq), then streams live. */
  @Get(':id/events')
  @ApiOperation({
    summary: 'Stream the session (SSE): replay after Last-Event-ID, then live',
    description:
      'Events: turn.started, turn.resumed, token (a delta), tool.requested, tool.completed, tool.blocked, ' +
      'turn.completed, turn.failed, turn.cancelled. Each frame has id = seq, event = type, data = the JSON payload (schemas in /asyncapi.json). ' +
      'The replay log keeps SOMA_REPLAY_RETENTION_HOURS (default 24) hours.',
  })
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'Resume after this seq (empty: from the start)',
    schema: { type: 'string', pattern: SEQ_PATTERN },
  })
  @ApiQuery({
    name: 'afterSeq',
    required: false,
    description: 'Resume after this seq (when headers cannot be set; Last-Event-ID wins)',
    schema: { type: 'string', pattern: SEQ_PATTERN },
  })
  @ApiQuery({
    name: 'cancelOnDisconnect',
    required: false,
    schema: { type: 'string', enum: ['true', 'false'] },
    description:
      "true: the session's open turns are cancelled (turn.cancelled, via disconnect) when this stream closes. " +
      'Disconnecting is not cancelling otherwise.',
  })
  @ApiResponse({
    status: 200,
    description: 'text/event-stream: id = seq, event = type, data = JSON payload',
    content: {
      'text/event-stream': {
        // One event of the stream (OpenAPI 3.0 has no itemSchema: the schema of a text/event-stream is per event).
        schema: {
          type: 'object',
          required: ['data'],
          properties: {
            id: { type: 'string', description: 'The seq' },
            event: {
              type: 'string',
              description: 'The event type (or error when the server ends the stream)',
            },
            data: {
              type: 'string',
              description: 'The JSON payload; its schema per type is in /asyncapi.json',
            },
          },
          description:
            'A stream of frames `id: <seq>`, `event: <type>`, `data: <JSON payload>` separated by blank lines, ' +
            'with `: keep-alive` comments',
        },
        example:
          'id: 1\nevent: turn.started\ndata: {"turnId":"…","seq":1}\n\n' +
          'id: 2\nevent: token\ndata: {"turnId":"…","seq":2,"delta":"Hello"}\n\n',
      },
    },
  })
  @ApiResponse({
    status: 400,
    description: 'VALIDATION_FAILED: Last-Event-ID, afterSeq or cancelOnDisconnect is not valid',
    type: ValidationErrorDto,
  })
  @ApiResponse({ status: 404, type: ErrorDto })
  async stream(
    @CurrentPrincipal() principal: Principal,
    @Param('id', SessionIdPipe) sessionId: string,
    @Headers('last-event-id') lastEventId: unknown,
    @Query('afterSeq') afterSeq: unknown,
    @Query('cancelOnDisconnect') cancelOnDisconnect: unknown,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    if (cancelOnDisconnect !== undefined && cancelOnDisconnect !== 'true' && cancelOnDisconnect !== 'false') {
      const message = 'cancelOnDisconnect must be true or false';
      throw new BadRequestException({
        error: 'VALIDATION_FAILED',
        message,
        fields: [{ field: 'cancelOnDisconnect', errors: [message] }],
      });
    }
    const after = parseSeq(lastEventId, afterSeq);
    await this.delivery.authorize(principal, sessionId);
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    response.flushHeaders();
    const output = this.delivery.sseOutput(response);
    output.write(': connected\n\n');
    let closed = false;
    const keepAlive = setInterval(() => {
      output.write(': keep-alive\n\n');
    }, KEEP_ALIVE_MS);
    const subscription: { unsubscribe?: () => void } = {};
    const correlationId = currentCorrelationId();
    request.on('close', () => {
      closed = true;
      clearInterval(keepAlive);
      subscription.unsubscribe?.();
      if (cancelOnDisconnect === 'true') {
        const by = { role: principal.role, keyId: principal.keyId, via: 'disconnect' as const };
        this.commandBus
          .execute(new CancelOpenTurnsCommand(principal.tenantId, sessionId, by, correlationId))
          .catch(() => undefined); // best effort: the turn then simply runs to its end
      }
    });
    const unsubscribe = await this.delivery.open(principal, sessionId, after, output, () => {
      output.end(`event: error\ndata: ${JSON.stringify(REVOKED_FRAME)}\n\n`);
    });
    subscription.unsubscribe = unsubscribe;
    if (closed) {
      unsubscribe();
      return;
    }
    // The stream is registered for revocation only now, after the headers went out: a key revoked in between
    // would have missed it, so the key is checked once more.
    await this.queryBus
      .execute(new ResolveApiKeyQuery(bearerToken(request.headers.authorization)))
      .catch(() => {
        unsubscribe();
        output.end(`event: error\ndata: ${JSON.stringify(REVOKED_FRAME)}\n\n`);
      });
  }
}
