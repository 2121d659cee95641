import { Body, Controller, Get, Headers, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import {
  ApiBearerAuth,
  ApiBody,
  ApiExtraModels,
  ApiHeader,
  ApiOperation,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { ListModelProfilesQuery } from '#soma/conversation';
import { type Principal } from '#soma/identity';
import { type ModelProfileEntity } from '#soma/persistence';
import type { Request, Response } from 'express';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { ValidationErrorDto } from '../http/errors.dto.js';
import { StreamDeliveryService } from '../streaming/stream-delivery.service.js';
import { openAiError, parseChatCompletion } from './chat-completion-request.js';
import { ChatCompletionTranslator } from './chat-completion-chunk.mapper.js';
import { ChatCompletionsService, type StartedCompletion } from './chat-completions.service.js';
import { OpenAiErrorFilter, OpenAiRequestError } from './openai-error.filter.js';
import {
  ChatCompletionDto,
  ChatCompletionRequestDto,
  ModelListDto,
  OpenAiErrorDto,
  TextPartDto,
  ToolChoiceDto,
  type ModelDto,
} from './openai.dto.js';

const SESSION_HEADER = 'X-Soma-Session-Id';
const KEEP_ALIVE_MS = 15_000;
const PROFILE_PAGE = 100;

const sse = (data: unknown): string => `data: ${JSON.stringify(data)}\n\n`;

/** The OpenAI chat completions API over session turns (docs/openai-api.md); errors in OpenAI's shape. */
@ApiTags('openai')
@ApiBearerAuth()
@ApiExtraModels(TextPartDto, ToolChoiceDto, OpenAiErrorDto, ValidationErrorDto)
@ApiResponse({ status: 401, description: 'API_KEY_MISSING / API_KEY_INVALID', type: OpenAiErrorDto })
@ApiResponse({
  status: 429,
  description: 'RATE_LIMITED, or BUDGET_EXCEEDED (a token budget is used up); see Retry-After',
  type: OpenAiErrorDto,
  headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } },
})
@ApiResponse({ status: 500, description: 'Internal error', type: OpenAiErrorDto })
@UseGuards(ApiKeyGuard)
@UseFilters(OpenAiErrorFilter)
@Controller('v1')
export class OpenAiController {
  constructor(
    private readonly queryBus: QueryBus,
    private readonly completions: ChatCompletionsService,
    private readonly delivery: StreamDeliveryService,
  ) {}

  @Get('models')
  @ApiOperation({ summary: 'The model profiles, as OpenAI models (id = the profile name)' })
  @ApiResponse({ status: 200, type: ModelListDto })
  async models(): Promise<ModelListDto> {
    const data: ModelDto[] = [];
    for (let after: string[] | null = null, first = true; first || after !== null; first = false) {
      const page: { items: ModelProfileEntity[]; next: string[] | null } = await this.queryBus.execute(
        new ListModelProfilesQuery({ limit: PROFILE_PAGE, after }),
      );
      for (const profile of page.items)
        data.push({
          id: profile.name,
          object: 'model',
          created: Math.floor(profile.createdAt.getTime() / 1000),
          owned_by: 'soma',
        });
      after = page.next;
    }
    return { object: 'list', data };
  }

  @Post('chat/completions')
  @ApiOperation({
    summary: 'A chat completion, answered by a session turn (streamed or not)',
    description:
      'The last message (a user message) is posted to the session named by X-Soma-Session-Id or `conversation`, ' +
      'or to a new session on the model profile `model`; the response header X-Soma-Session-Id names it. ' +
      'Sampling parameters are refused: they belong to the model profile.',
  })
  @ApiBody({ type: ChatCompletionRequestDto })
  @ApiHeader({
    name: SESSION_HEADER,
    required: false,
    description: 'The session to continue (its model profile must be `model`)',
    schema: { type: 'string', format: 'uuid' },
  })
  @ApiResponse({
    status: 200,
    description:
      'stream false: a chat.completion; stream true: text/event-stream of chat.completion.chunk data frames, ' +
      'then `data: [DONE]` (a failed turn: an `{"error": …}` frame before it)',
    headers: { [SESSION_HEADER]: { description: 'The session', schema: { type: 'string', format: 'uuid' } } },
    content: {
      'application/json': { schema: { $ref: getSchemaPath(ChatCompletionDto) } },
      'text/event-stream': {
        // One event: data is a chat.completion.chunk (or an {error}) as JSON, the last one `[DONE]`.
        schema: {
          type: 'object',
          required: ['data'],
          properties: { data: { type: 'string' }, event: { type: 'string' } },
        },
        example:
          'data: {"id":"chatcmpl-…","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n' +
          'data: [DONE]\n\n',
      },
    },
  })
  @ApiExtraModels(ChatCompletionDto)
  @ApiResponse({
    status: 400,
    description:
      'VALIDATION_FAILED / PARAMETER_UNSUPPORTED (param names it); a body that is not JSON: MALFORMED_JSON in ErrorDto',
    content: {
      'application/json': {
        schema: {
          oneOf: [{ $ref: getSchemaPath(OpenAiErrorDto) }, { $ref: getSchemaPath(ValidationErrorDto) }],
        },
      },
    },
  })
  @ApiResponse({
    status: 404,
    description: 'model_not_found (param model), or SESSION_NOT_FOUND',
    type: OpenAiErrorDto,
  })
  @ApiResponse({
    status: 502,
    description: "The turn failed or was cancelled (not streamed): code is the turn's error code",
    type: OpenAiErrorDto,
  })
  async chat(
    @CurrentPrincipal() principal: Principal,
    @Body() body: unknown,
    @Headers('x-soma-session-id') header: string | undefined,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const parsed = parseChatCompletion(body);
    if (!parsed.ok) throw new OpenAiRequestError(400, parsed.body);
    const started = await this.completions.start(principal, parsed.turn, header ?? null);
    // The response's close: the client went away (or the answer is done). The request's close can have fired
    // already, once its body was read.
    response.on('close', () => {
      started.feed.close();
    });
    if (request.socket.destroyed) started.feed.close();
    response.setHeader(SESSION_HEADER, started.sessionId);
    if (parsed.turn.stream) await this.stream(started, parsed.turn.includeUsage, response);
    else await this.whole(started, response);
  }

  private async whole({ meta, feed }: StartedCompletion, response: Response): Promise<void> {
    const translator = new ChatCompletionTranslator(meta);
    for await (const event of feed) translator.push(event);
    const end = translator.end;
    if (end === null) return; // the client went away before the turn ended
    if (end.status === 'failed') {
      // The turn ran and ended: the SDKs retry a 5xx, which would post the message again.
      response.setHeader('x-should-retry', 'false');
      throw new OpenAiRequestError(502, openAiError(end.code, end.message, null, 'api_error'));
    }
    response.status(200).json(translator.completion(end.usage));
  }

  private async stream(
    { meta, feed }: StartedCompletion,
    includeUsage: boolean,
    response: Response,
  ): Promise<void> {
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    response.flushHeaders();
    const output = this.delivery.sseOutput(response);
    output.onCutOff(() => {
      feed.close();
    });
    const keepAlive = setInterval(() => {
      output.write(': keep-alive\n\n');
    }, KEEP_ALIVE_MS);
    const translator = new ChatCompletionTranslator(meta);
    try {
      for await (const event of feed) for (const chunk of translator.push(event)) output.write(sse(chunk));
    } finally {
      clearInterval(keepAlive);
    }
    const end = translator.end;
    if (end === null) return;
    if (end.status === 'failed') output.write(sse(openAiError(end.code, end.message, null, 'api_error')));
    else if (includeUsage) output.write(sse(translator.usageChunk(end.usage)));
    output.end('data: [DONE]\n\n');
  }
}
