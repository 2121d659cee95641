import { ApiClient, SseStream, type SseEvent, type Page } from '#soma/client';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { STATE_DIR } from '../support/apps.js';
import { sessionWithProfile } from '../support/sessions.js';
import { ofTurn, payload, sleep, TERMINAL, terminalOf } from '../support/events.js';

interface Message {
  role: string;
  content: string;
  toolCallId: string | null;
  classification: { status: string; intent?: string; sentiment?: { label: string }; tags?: string[] } | null;
}

describe('tool calls inside a streamed turn', () => {
  const baseUrl = inject('gatewayUrl');
  const key = inject('adminKey');
  const api = new ApiClient(baseUrl, key);

  it('a message leads to a tool call, its result, and a streamed continuation; history holds call and result in order', async () => {
    const { sessionId } = await sessionWithProfile(api, {
      name: 'coder',
      tools: ['code.execute'],
      toolChoice: 'required',
      maxTokens: 48,
    });
    const stream = new SseStream(`${baseUrl}/v1/sessions/${sessionId}/events`, {
      authorization: `Bearer ${key}`,
    });
    const { turnId } = await api.postMessage(
      sessionId,
      'Run a small Python program that prints the number 42.',
    );
    await stream.waitFor(terminalOf(turnId), 180_000);
    await sleep(500);
    stream.close();

    const events = stream.events.filter(ofTurn(turnId));
    const at = (type: string) => events.findIndex((e) => e.event === type);
    const requested = events[at('tool.requested')] as SseEvent;
    const result = events.find((e) => e.event === 'tool.completed' || e.event === 'tool.blocked') as SseEvent;
    expect(requested).toBeDefined();
    expect(payload<{ tool: string }>(requested).tool).toBe('code.execute');
    expect(result).toBeDefined();
    const toolCallId = payload<{ toolCallId: string }>(requested).toolCallId;
    expect(payload<{ toolCallId: string }>(result).toolCallId).toBe(toolCallId);
    const resultIndex = events.indexOf(result);
    expect(at('turn.started')).toBe(0);
    expect(at('tool.requested')).toBeLessThan(resultIndex);
    expect(events.slice(resultIndex).some((e) => e.event === 'token')).toBe(true);
    expect(events.filter((e) => TERMINAL.has(e.event)).map((e) => e.event)).toEqual(['turn.completed']);
    const seqs = stream.events.map((e) => Number(e.id));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));

    const messages = (await api.request<Page<Message>>('GET', `/v1/sessions/${sessionId}/messages`)).body
      .items;
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(messages[1]?.toolCallId).toBe(toolCallId);
    expect(JSON.parse(messages[1]?.content ?? '{}')).toMatchObject({
      tool_call: { id: toolCallId, name: 'code.execute' },
    });
    expect(messages[2]?.toolCallId).toBe(toolCallId);
    expect(JSON.parse(messages[2]?.content ?? '{}')).toHaveProperty('status');
    const reply = events
      .slice(resultIndex)
      .filter((e) => e.event === 'token')
      .map((e) => payload<{ delta: string }>(e).delta)
      .join('');
    expect(messages[3]?.content).toBe(reply);
  });

  it("a message's classification is stored, returned by the history API, and reaches OPA with a later tool decision", async () => {
    const sessionId = await api.createSession();
    const stream = new SseStream(`${baseUrl}/v1/sessions/${sessionId}/events`, {
      authorization: `Bearer ${key}`,
    });
    const { turnId } = await api.postMessage(
      sessionId,
      'Please write a Python function that reverses a string.',
    );
    await stream.waitFor(terminalOf(turnId), 120_000);
    stream.close();
    const messages = (await api.request<Page<Message>>('GET', `/v1/sessions/${sessionId}/messages`)).body
      .items;
    const classification = messages[0]?.classification;
    expect(classification?.status).toBe('classified');
    expect(typeof classification?.intent).toBe('string');
    expect(['negative', 'neutral', 'positive']).toContain(classification?.sentiment?.label);
    expect(Array.isArray(classification?.tags)).toBe(true);

    const marker = `note-${randomUUID()}`;
    const call = await api.request('POST', `/v1/sessions/${sessionId}/tool-calls`, {
      body: { tool: 'memory.write', arguments: { content: marker } },
    });
    expect(call.status).toBe(202);
    // OPA's own decision log records the input it decided on.
    const deadline = Date.now() + 60_000;
    let input: { context?: { intent?: string; classification?: string } } | undefined;
    while (!input && Date.now() < deadline) {
      const line = readFileSync(join(STATE_DIR, 'logs', 'opa.log'), 'utf8')
        .split('\n')
        .find((l) => l.includes('"Decision Log"') && l.includes(marker));
      if (line) input = (JSON.parse(line) as { input: typeof input }).input;
      else await sleep(250);
    }
    expect(input?.context?.classification).toBe('classified');
    expect(input?.context?.intent).toBe(classification?.intent);
  });
});
