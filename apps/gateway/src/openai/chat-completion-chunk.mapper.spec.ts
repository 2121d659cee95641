import { describe, expect, it } from 'vitest';
import { type StreamEvent } from '#soma/conversation';
import { ChatCompletionTranslator, outboundEventOf } from './chat-completion-chunk.mapper.js';

const turnId = '6f1c2a1e-8d1f-4c55-9a43-0f6f2bb8e0a1';
const callId = '0b7c6a8e-2f9d-4a51-8f0e-3c2d1b0a9e8f';
const messageId = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const usage = { promptTokens: 10, completionTokens: 5, totalTokens: 15 };

function event(seq: number, type: StreamEvent['type'], data: Record<string, unknown>): StreamEvent {
  return { sessionId: 's', seq, type, data: { turnId, seq, ...data } };
}

function translate(events: StreamEvent[]): { translator: ChatCompletionTranslator; chunks: unknown[] } {
  const translator = new ChatCompletionTranslator({ id: `chatcmpl-${turnId}`, created: 1, model: 'm' });
  const chunks = events.flatMap((e) => {
    const outbound = outboundEventOf(e);
    if (outbound === null) throw new Error(`not an outbound event: ${e.type}`);
    return translator.push(outbound);
  });
  return { translator, chunks };
}

describe('ChatCompletionTranslator', () => {
  it('streams a role chunk, content deltas and a stop chunk; the whole answer carries text, tool calls and usage', () => {
    const { translator, chunks } = translate([
      event(1, 'turn.started', {}),
      event(2, 'token', { delta: 'Hel' }),
      event(3, 'tool.requested', {
        toolCallId: callId,
        tool: 'code.execute',
        arguments: { code: 'print(1)' },
      }),
      event(4, 'tool.completed', { toolCallId: callId, tool: 'code.execute', status: 'ok', output: {} }),
      event(5, 'token', { delta: 'lo' }),
      event(6, 'turn.completed', { messageId, usage }),
    ]);
    const deltas = chunks.map(
      (c) => (c as { choices: { delta: unknown; finish_reason: unknown }[] }).choices[0],
    );
    expect(deltas).toEqual([
      { index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null, logprobs: null },
      { index: 0, delta: { content: 'Hel' }, finish_reason: null, logprobs: null },
      {
        index: 0,
        delta: {
          tool_calls: [
            {
              index: 0,
              id: callId,
              type: 'function',
              function: { name: 'code.execute', arguments: '{"code":"print(1)"}' },
            },
          ],
        },
        finish_reason: null,
        logprobs: null,
      },
      { index: 0, delta: { content: 'lo' }, finish_reason: null, logprobs: null },
      { index: 0, delta: {}, finish_reason: 'stop', logprobs: null },
    ]);
    const end = translator.end;
    expect(end).toEqual({
      status: 'completed',
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    });
    if (end?.status !== 'completed') throw new Error('not completed');
    const completion = translator.completion(end.usage);
    expect(completion.choices[0]?.message).toEqual({
      role: 'assistant',
      content: 'Hello',
      refusal: null,
      tool_calls: [
        {
          id: callId,
          type: 'function',
          function: { name: 'code.execute', arguments: '{"code":"print(1)"}' },
        },
      ],
    });
    expect(translator.usageChunk(end.usage)).toMatchObject({ choices: [], usage: end.usage });
  });

  it('a failed or cancelled turn ends without a stop chunk, with its code', () => {
    const failed = translate([
      event(1, 'turn.started', {}),
      event(2, 'turn.failed', { code: 'GENERATION_FAILED', message: 'the model failed' }),
    ]);
    expect(failed.chunks).toHaveLength(1);
    expect(failed.translator.end).toEqual({
      status: 'failed',
      code: 'GENERATION_FAILED',
      message: 'the model failed',
    });
    const cancelled = translate([
      event(1, 'turn.cancelled', {
        cancelledBy: { role: 'user', keyId: null, via: 'api' },
        messageId: null,
        usage,
      }),
    ]);
    expect(cancelled.translator.end).toMatchObject({ status: 'failed', code: 'TURN_CANCELLED' });
  });

  it('an event that is not what its type promises is not an outbound event', () => {
    expect(outboundEventOf(event(1, 'token', { delta: 5 }))).toBeNull();
    expect(outboundEventOf(event(1, 'turn.completed', { messageId }))).toBeNull();
  });
});
