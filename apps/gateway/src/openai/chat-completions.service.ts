import { Injectable } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { isUuid } from '#soma/contracts';
import {
  ConversationError,
  CreateSessionCommand,
  GetModelProfileQuery,
  GetSessionQuery,
  PostUserMessageCommand,
  SessionStreamHub,
} from '#soma/conversation';
import { type Principal } from '#soma/identity';
import { type ModelProfileEntity } from '#soma/persistence';
import { currentCorrelationId, SomaConfig } from '#soma/platform';
import { ToolRegistry } from '#soma/tools';
import { openAiError, type ChatCompletionTurn } from './chat-completion-request.js';
import { type CompletionMeta } from './chat-completion-chunk.mapper.js';
import { OpenAiRequestError } from './openai-error.filter.js';
import { TurnFeed } from './turn-feed.js';
import { toolAllowance } from './turn-tool-allowance.js';

export interface StartedCompletion {
  sessionId: string;
  turnId: string;
  meta: CompletionMeta;
  /** The turn's events up to its terminal one; close it when the client goes away. */
  feed: TurnFeed;
}

const TITLE_CHARS = 80;

/**
 * A chat completion as a session turn: the profile by name, the session continued or created, the stream
 * subscribed, the message posted through PostUserMessageCommand (budget, history, metering as for every turn).
 * The gateway never calls the model: the answer is the turn's events, read off the session's stream.
 */
@Injectable()
export class ChatCompletionsService {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
    private readonly hub: SessionStreamHub,
    private readonly config: SomaConfig,
    private readonly registry: ToolRegistry,
  ) {}

  async start(
    principal: Principal,
    turn: ChatCompletionTurn,
    header: string | null,
  ): Promise<StartedCompletion> {
    if (turn.content.length > this.config.messageMaxChars) {
      const message = `the user message must be at most ${this.config.messageMaxChars} characters`;
      throw new OpenAiRequestError(400, openAiError('VALIDATION_FAILED', message, 'messages'));
    }
    const profile = await this.profile(turn.model);
    const allowed = await toolAllowance(
      turn,
      profile,
      async () => new Set((await this.registry.forTenant(principal.tenantId)).names()),
    );
    if (!allowed.ok) throw new OpenAiRequestError(400, allowed.body);
    const { sessionId, afterSeq } = await this.session(principal, profile, turn, header);
    const feed = new TurnFeed();
    feed.attach(await this.hub.subscribe(sessionId, afterSeq, feed.sink));
    try {
      const { turnId } = await this.commandBus.execute(
        new PostUserMessageCommand(
          principal.tenantId,
          sessionId,
          turn.content,
          currentCorrelationId(),
          null,
          { role: principal.role, keyId: principal.keyId },
          'enqueue',
          allowed.allowance,
        ),
      );
      feed.bind(turnId);
      const meta = { id: `chatcmpl-${turnId}`, created: Math.floor(Date.now() / 1000), model: turn.model };
      return { sessionId, turnId, meta, feed };
    } catch (error) {
      feed.close();
      throw error;
    }
  }

  private async profile(model: string): Promise<ModelProfileEntity> {
    try {
      return await this.queryBus.execute(new GetModelProfileQuery(model));
    } catch (error) {
      if (!(error instanceof ConversationError) || error.code !== 'MODEL_PROFILE_NOT_FOUND') throw error;
      throw new OpenAiRequestError(
        404,
        openAiError('model_not_found', `The model '${model}' does not exist`, 'model'),
      );
    }
  }

  /** The session to continue (header, then `conversation`), checked against the model; else a new one. */
  private async session(
    principal: Principal,
    profile: ModelProfileEntity,
    turn: ChatCompletionTurn,
    header: string | null,
  ): Promise<{ sessionId: string; afterSeq: number }> {
    const continued = header ?? turn.conversation;
    if (continued === null) {
      const title = turn.content.slice(0, TITLE_CHARS);
      const created = await this.commandBus.execute(
        new CreateSessionCommand(principal.tenantId, title, profile.id, null, principal.keyId),
      );
      return { sessionId: created.id, afterSeq: 0 };
    }
    const notFound = `session ${continued} not found`;
    if (!isUuid(continued)) throw new ConversationError('SESSION_NOT_FOUND', notFound);
    const session = await this.queryBus.execute(new GetSessionQuery(principal.tenantId, continued));
    if (session.modelProfileId !== profile.id) {
      const message = `session ${continued} runs on another model profile than ${turn.model}`;
      throw new OpenAiRequestError(400, openAiError('VALIDATION_FAILED', message, 'model'));
    }
    return { sessionId: session.id, afterSeq: session.lastSeq };
  }
}
