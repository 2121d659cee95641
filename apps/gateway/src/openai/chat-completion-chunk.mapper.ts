import {
  assertUnreachable,
  TokenSchema,
  ToolApprovalRequestedSchema,
  ToolBlockedSchema,
  ToolCompletedSchema,
  ToolRequestedSchema,
  TurnCancelledSchema,
  TurnCompletedSchema,
  TurnFailedSchema,
  TurnResumedSchema,
  TurnStartedSchema,
  type TokenUsage,
} from '#soma/contracts';
import { type StreamEvent } from '#soma/conversation';
import { Value } from '@sinclair/typebox/value';
import { type OutboundEvent } from '../ui-chat/ui-message-chunk.mapper.js';

/**
 * A streamed event of a session as the typed outbound event it is (checked against its contract, so no cast);
 * null when it is not what its type promises (it is then skipped, never guessed at).
 */
export function outboundEventOf(event: StreamEvent): OutboundEvent | null {
  const { type, data } = event;
  switch (type) {
    case 'turn.started':
      return Value.Check(TurnStartedSchema, data) ? { type, payload: data } : null;
    case 'turn.resumed':
      return Value.Check(TurnResumedSchema, data) ? { type, payload: data } : null;
    case 'token':
      return Value.Check(TokenSchema, data) ? { type, payload: data } : null;
    case 'tool.requested':
      return Value.Check(ToolRequestedSchema, data) ? { type, payload: data } : null;
    case 'tool.completed':
      return Value.Check(ToolCompletedSchema, data) ? { type, payload: data } : null;
    case 'tool.blocked':
      return Value.Check(ToolBlockedSchema, data) ? { type, payload: data } : null;
    case 'tool.approval_requested':
      return Value.Check(ToolApprovalRequestedSchema, data) ? { type, payload: data } : null;
    case 'turn.completed':
      return Value.Check(TurnCompletedSchema, data) ? { type, payload: data } : null;
    case 'turn.failed':
      return Value.Check(TurnFailedSchema, data) ? { type, payload: data } : null;
    case 'turn.cancelled':
      return Value.Check(TurnCancelledSchema, data) ? { type, payload: data } : null;
    default:
      return assertUnreachable(type);
  }
}

/** The turn an event belongs to (every outbound payload names it). */
export const turnIdOf = (event: OutboundEvent): string => event.payload.turnId;

export interface OpenAiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface OpenAiToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: {
    index: 0;
    delta: {
      role?: 'assistant';
      content?: string;
      tool_calls?: (OpenAiToolCall & { index: number })[];
    };
    finish_reason: 'stop' | null;
    logprobs: null;
  }[];
  usage?: OpenAiUsage;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: {
    index: 0;
    message: {
      role: 'assistant';
      content: string | null;
      refusal: null;
      tool_calls?: OpenAiToolCall[];
    };
    finish_reason: 'stop';
    logprobs: null;
  }[];
  usage: OpenAiUsage;
}

/** How the turn ended: completed with its usage, or not (failed or cancelled) with the code to report. */
export type TurnEnd =
  { status: 'completed'; usage: OpenAiUsage } | { status: 'failed'; code: string; message: string };

export interface CompletionMeta {
  /** `chatcmpl-<turnId>`. */
  id: string;
  /** Unix seconds. */
  created: number;
  /** The model profile's name, as the client asked for it. */
  model: string;
}

const usageOf = (usage: TokenUsage): OpenAiUsage => ({
  prompt_tokens: usage.promptTokens,
  completion_tokens: usage.completionTokens,
  total_tokens: usage.totalTokens,
});

/**
 * Reshapes one turn's events, in seq order, into OpenAI's chat completion: the chunks of a streamed answer as
 * they come, and the whole text, tool calls and usage for one `chat.completion` object at the end. Tool calls run
 * server-side; they are reported (`tool_calls`) with the finish reason still `stop`: the client has nothing to run.
 */
export class ChatCompletionTranslator {
  private text = '';
  private readonly calls: OpenAiToolCall[] = [];
  private started = false;
  private ending: TurnEnd | null = null;

  constructor(private readonly meta: CompletionMeta) {}

  /** Set once the turn's terminal event was read. */
  get end(): TurnEnd | null {
    return this.ending;
  }

  /** The chunks this event adds to a streamed answer (the text, calls and end are kept either way). */
  push(event: OutboundEvent): ChatCompletionChunk[] {
    const opening = this.started ? [] : [this.chunk({ role: 'assistant', content: '' })];
    this.started = true;
    switch (event.type) {
      case 'turn.started':
      case 'turn.resumed':
      case 'tool.completed':
      case 'tool.blocked':
      case 'tool.approval_requested':
        return opening;
      case 'token':
        if (event.payload.delta === '') return opening;
        this.text += event.payload.delta;
        return [...opening, this.chunk({ content: event.payload.delta })];
      case 'tool.requested': {
        const call: OpenAiToolCall = {
          id: event.payload.toolCallId,
          type: 'function',
          function: { name: event.payload.tool, arguments: JSON.stringify(event.payload.arguments ?? {}) },
        };
        this.calls.push(call);
        return [...opening, this.chunk({ tool_calls: [{ index: this.calls.length - 1, ...call }] })];
      }
      case 'turn.completed':
        this.ending = { status: 'completed', usage: usageOf(event.payload.usage) };
        return [...opening, this.chunk({}, 'stop')];
      case 'turn.failed':
        this.ending = { status: 'failed', code: event.payload.code, message: event.payload.message };
        return opening;
      case 'turn.cancelled':
        this.ending = { status: 'failed', code: 'TURN_CANCELLED', message: 'the turn was cancelled' };
        return opening;
      default:
        return assertUnreachable(event);
    }
  }

  /** The last chunk when the client asked for `stream_options.include_usage`: no choices, the usage. */
  usageChunk(usage: OpenAiUsage): ChatCompletionChunk {
    return { ...this.base('chat.completion.chunk'), choices: [], usage };
  }

  /** The whole answer of a completed turn. */
  completion(usage: OpenAiUsage): ChatCompletion {
    const toolCalls = this.calls.length > 0 ? { tool_calls: [...this.calls] } : {};
    return {
      ...this.base('chat.completion'),
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: this.text === '' && this.calls.length > 0 ? null : this.text,
            refusal: null,
            ...toolCalls,
          },
          finish_reason: 'stop',
          logprobs: null,
        },
      ],
      usage,
    };
  }

  private chunk(
    delta: ChatCompletionChunk['choices'][number]['delta'],
    finish: 'stop' | null = null,
  ): ChatCompletionChunk {
    return {
      ...this.base('chat.completion.chunk'),
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    };
  }

  private base<T extends 'chat.completion' | 'chat.completion.chunk'>(
    object: T,
  ): { id: string; object: T; created: number; model: string } {
    return { id: this.meta.id, object, created: this.meta.created, model: this.meta.model };
  }
}
