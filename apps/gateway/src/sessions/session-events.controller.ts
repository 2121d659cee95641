import { Controller, Get, Headers, Param, Query, Req, Res, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { GetSessionQuery, SessionStreamHub, type StreamEvent } from '#soma/conversation';
import { type Principal } from '#soma/identity';
import type { Request, Response } from 'express';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { SessionIdPipe } from '../http/uuid-param.pipe.js';
import { ErrorDto } from './sessions.dto.js';

const KEEP_ALIVE_MS = 15_000;

export function formatSse(event: StreamEvent): string {
  return `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

function parseSeq(...candidates: (string | undefined)[]): number {
  for (const candidate of candidates) {
    if (candidate !== undefined && /^\d+$/.test(candidate.trim())) return Number(candidate.trim());
  }
  return 0;
}

@ApiTags('sessions')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard)
@Controller('v1/sessions')
export class SessionEventsController {
  constructor(
    private readonly queryBus: QueryBus,
    private readonly hub: SessionStreamHub,
  ) {}

  /** Server-sent events: replays what the client missed (Last-Event-ID or afterSeq), then streams live. */
  @Get(':id/events')
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this seq' })
  @ApiQuery({
    name: 'afterSeq',
    required: false,
    description: 'Resume after this seq (when headers cannot be set)',
  })
  @ApiResponse({ status: 200, description: 'text/event-stream: id = seq, event = type, data = JSON payload' })
  @ApiResponse({ status: 404, type: ErrorDto })
  async stream(
    @CurrentPrincipal() principal: Principal,
    @Param('id', SessionIdPipe) sessionId: string,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Query('afterSeq') afterSeq: string | undefined,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    await this.queryBus.execute(new GetSessionQuery(principal.tenantId, sessionId));
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    response.flushHeaders();
    response.write(': connected\n\n');
    let closed = false;
    const keepAlive = setInterval(() => response.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    const subscription: { unsubscribe?: () => void } = {};
    request.on('close', () => {
      closed = true;
      clearInterval(keepAlive);
      subscription.unsubscribe?.();
    });
    const unsubscribe = await this.hub.subscribe(sessionId, parseSeq(lastEventId, afterSeq), (event) => {
      response.write(formatSse(event));
    });
    subscription.unsubscribe = unsubscribe;
    if (closed) unsubscribe();
  }
}
