import { readUIMessageStream, type UIMessage, type UIMessageChunk } from 'ai';
import { describe, expect, it } from 'vitest';
import {
  toOutboundEvent,
  UiMessageChunkTranslator,
  type OutboundEvent,
  type UiMessageChunk,
} from './ui-message-chunk.mapper.js';

const turnId = '00000000-0000-4000-8000-000000000001';
const toolCallId = '00000000-0000-4000-8000-000000000002';
const usage = { promptTokens: 3, completionTokens: 4, totalTokens: 7 };

/** Reads the chunks with the AI SDK's own reader and returns the last message state it built. */
async function readWithSdk(chunks: readonly UiMessageChunk[]): Promise<UIMessage | undefined> {
  const sdkChunks: UIMessageChunk[] = [...chunks]; // compiles only while ours are SDK chunks
  const stream = new ReadableStream<UIMessageChunk>({
    start(controller) {
      for (const chunk of sdkChunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  let last: UIMessage | undefined;
  for await (const message of readUIMessageStream({ stream })) last = message;
  return last;
}

function translateAll(events: readonly OutboundEvent[]): UiMessageChunk[] {
  const translator = new UiMessageChunkTranslator();
  return events.flatMap((event) => translator.translate(event));
}

describe('UiMessageChunkTranslator', () => {
  it('turns a turn with a tool call into one message the AI SDK reads: text, tool, text', async () => {
    const chunks = translateAll([
      { type: 'turn.started', payload: { turnId, seq: 1 } },
      { type: 'token', payload: { turnId, seq: 2, delta: 'Let me ' } },
      { type: 'token', payload: { turnId, seq: 3, delta: 'check.' } },
      {
        type: 'tool.requested',
        payload: { turnId, seq: 4, toolCallId, tool: 'web.search', arguments: { q: 'x' } },
      },
      {
        type: 'tool.completed',
        payload: { turnId, seq: 5, toolCallId, tool: 'web.search', status: 'ok', output: { hits: 1 } },
      },
      { type: 'token', payload: { turnId, seq: 6, delta: 'Done' } },
      { type: 'turn.completed', payload: { turnId, seq: 7, messageId: turnId, usage } },
    ]);
    expect(chunks.map((chunk) => chunk.type)).toEqual([
      'start',
      'start-step',
      'text-start',
      'text-delta',
      'text-delta',
      'text-end',
      'tool-input-available',
      'tool-output-available',
      'text-start',
      'text-delta',
      'text-end',
      'finish-step',
      'finish',
    ]);
    const message = await readWithSdk(chunks);
    expect(message?.id).toBe(turnId);
    expect(message?.parts.filter((part) => part.type === 'text').map((part) => part.text)).toEqual([
      'Let me check.',
      'Done',
    ]);
    const tool = message?.parts.find((part) => part.type === 'tool-web.search');
    expect(tool).toMatchObject({
      toolCallId,
      state: 'output-available',
      input: { q: 'x' },
      output: { hits: 1 },
    });
  });

  it('ends a failed turn with an error chunk carrying our code, and a blocked tool with its reasons', async () => {
    const chunks = translateAll([
      { type: 'turn.started', payload: { turnId, seq: 1 } },
      { type: 'tool.requested', payload: { turnId, seq: 2, toolCallId, tool: 'http.fetch', arguments: {} } },
      {
        type: 'tool.blocked',
        payload: { turnId, seq: 3, toolCallId, tool: 'http.fetch', reasons: ['egress denied'] },
      },
      { type: 'token', payload: { turnId, seq: 4, delta: 'Sorry' } },
      {
        type: 'turn.failed',
        payload: { turnId, seq: 5, code: 'GENERATION_FAILED', message: 'the model stopped' },
      },
    ]);
    expect(chunks.slice(-3)).toEqual([
      { type: 'text-end', id: `${turnId}:text:0` },
      { type: 'error', errorText: 'GENERATION_FAILED: the model stopped' },
      { type: 'finish', finishReason: 'error' },
    ]);
    const message = await readWithSdk(chunks);
    expect(message?.parts.find((part) => part.type === 'tool-http.fetch')).toMatchObject({
      state: 'output-error',
      errorText: 'TOOL_BLOCKED: egress denied',
    });
  });

  it('types a streamed event by the contract of its type, and refuses a payload its schema does not allow', () => {
    const sessionId = '00000000-0000-4000-8000-000000000009';
    expect(
      toOutboundEvent({ sessionId, seq: 2, type: 'token', data: { turnId, seq: 2, delta: 'Hi' } }),
    ).toEqual({ type: 'token', payload: { turnId, seq: 2, delta: 'Hi' } });
    expect(
      toOutboundEvent({ sessionId, seq: 2, type: 'token', data: { turnId, seq: 2, delta: 42 } }),
    ).toBeUndefined();
    expect(
      toOutboundEvent({ sessionId, seq: 1, type: 'turn.completed', data: { turnId, seq: 1 } }),
    ).toBeUndefined();
  });
});
