import { ApiClient, SseStream, type Page } from '#soma/client';
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { payload, terminalOf } from '../support/events.js';

interface Turn {
  id: string;
  status: string;
  context: { role: string; content: string }[];
  contextTokens: number;
  droppedMessages: number;
}

describe('history: every turn sees the whole session, fitted to the window', () => {
  const baseUrl = inject('gatewayUrl');
  const key = inject('adminKey');
  const api = new ApiClient(baseUrl, key);

  async function converse(sessionId: string, contents: string[]): Promise<void> {
    const stream = new SseStream(`${baseUrl}/v1/sessions/${sessionId}/events`, {
      authorization: `Bearer ${key}`,
    });
    for (const content of contents) {
      const { turnId } = await api.postMessage(sessionId, content);
      const events = await stream.waitFor(terminalOf(turnId), 120_000);
      const terminal = events.find((e) => e.event.startsWith('turn.c') && payload(e).turnId === turnId);
      expect(terminal?.event).toBe('turn.completed');
    }
    stream.close();
  }

  it('records the exact context of each of three turns, with all earlier user and assistant messages', async () => {
    const sessionId = await api.createSession();
    const questions = ['My name is Ada. Say hi.', 'What is two plus two?', 'Name one colour.'];
    await converse(sessionId, questions);

    const messages = await api.messages(sessionId);
    expect(messages.map((m) => m.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
    const turns = (await api.request<Page<Turn>>('GET', `/v1/sessions/${sessionId}/turns`)).body.items;
    expect(turns).toHaveLength(3);
    turns.forEach((turn, index) => {
      expect(turn.status).toBe('completed');
      expect(turn.context[0]?.role).toBe('system');
      // Everything said before this turn, in order, then this turn's user message.
      const expected = messages.slice(0, index * 2 + 1).map((m) => ({ role: m.role, content: m.content }));
      expect(turn.context.slice(1)).toEqual(expected);
      expect(turn.droppedMessages).toBe(0);
      expect(turn.contextTokens).toBeGreaterThan(0);
    });
    expect(turns[2]?.contextTokens).toBeGreaterThan(turns[0]?.contextTokens ?? Infinity);
  });

  it('with a small context window drops the oldest turns first and keeps the system prompt', async () => {
    const profile = await api.request<{ id: string; name: string }>('POST', '/v1/model-profiles', {
      body: {
        name: `tiny-window-${randomUUID().slice(0, 8)}`,
        provider: 'local',
        model: 'SmolLM2-135M-Instruct-Q4_1',
        contextWindow: 200,
        maxTokens: 24,
      },
    });
    expect(profile.status).toBe(201);
    const created = await api.request<{ id: string; modelProfileId: string }>('POST', '/v1/sessions', {
      body: { modelProfile: profile.body.name },
    });
    expect(created.body.modelProfileId).toBe(profile.body.id);
    const sessionId = created.body.id;
    const long = (topic: string) =>
      `Please think about ${topic}. ${'It is a subject with many details, facts, stories and open questions worth discussing. '.repeat(2)}`;
    await converse(sessionId, [long('the ocean'), long('mountains'), long('deserts')]);

    const turns = (await api.request<Page<Turn>>('GET', `/v1/sessions/${sessionId}/turns`)).body.items;
    const last = turns.at(-1) as Turn;
    expect(last.droppedMessages).toBeGreaterThan(0);
    expect(last.droppedMessages % 2).toBe(0);
    expect(last.context[0]?.role).toBe('system');
    expect(last.context.at(-1)?.content).toBe(long('deserts'));
    expect(last.context.some((m) => m.content === long('the ocean'))).toBe(false);
    expect(last.contextTokens).toBeLessThanOrEqual(200 - 24);
  });
});
