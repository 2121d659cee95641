import { describe, expect, inject, it } from 'vitest';
import { ApiClient, SseStream, type SseEvent } from '#soma/client';

const TERMINAL = new Set(['turn.completed', 'turn.failed']);

function data(event: SseEvent): Record<string, unknown> {
  return JSON.parse(event.data) as Record<string, unknown>;
}

describe('first streamed reply (gateway → Kafka → worker → local model → Kafka → SSE)', () => {
  const baseUrl = inject('gatewayUrl');
  const api = new ApiClient(baseUrl, inject('adminKey'));

  it('streams token deltas with consecutive seq, ends with one turn.completed, and persists both messages', async () => {
    const sessionId = await api.createSession();
    const stream = new SseStream(`${baseUrl}/v1/sessions/${sessionId}/events`, {
      authorization: `Bearer ${inject('adminKey')}`,
    });
    expect(await stream.status).toBe(200);

    const { turnId } = await api.postMessage(sessionId, 'Hello! In two sentences, what is a sandbox?');
    const events = await stream.waitFor((all) => all.some((e) => TERMINAL.has(e.event)), 90_000);
    // Anything after the terminal event would be a second terminal or a stray delta: give it a moment to show.
    await new Promise((resolve) => setTimeout(resolve, 750));
    stream.close();

    const all = stream.events;
    expect(all[0]?.event).toBe('turn.started');
    const seqs = all.map((e) => Number(e.id));
    expect(seqs).toEqual(seqs.map((_, index) => index + 1));
    for (const event of all) {
      expect(data(event).seq).toBe(Number(event.id));
      expect(data(event).turnId).toBe(turnId);
    }

    const tokens = all.filter((e) => e.event === 'token');
    expect(tokens.length).toBeGreaterThanOrEqual(3);
    for (const token of tokens) expect(typeof data(token).delta).toBe('string');
    const terminals = all.filter((e) => TERMINAL.has(e.event));
    expect(terminals.map((e) => e.event)).toEqual(['turn.completed']);
    expect(all.at(-1)?.event).toBe('turn.completed');
    expect(events.indexOf(terminals[0] as SseEvent)).toBeGreaterThan(
      events.indexOf(tokens.at(-1) as SseEvent),
    );

    const reply = tokens.map((e) => data(e).delta as string).join('');
    const completed = data(terminals[0] as SseEvent) as {
      messageId: string;
      usage: { promptTokens: number; completionTokens: number; totalTokens: number };
    };
    expect(completed.usage.completionTokens).toBeGreaterThan(0);
    expect(completed.usage.promptTokens).toBeGreaterThan(0);
    expect(completed.usage.totalTokens).toBe(completed.usage.promptTokens + completed.usage.completionTokens);

    const messages = await api.messages(sessionId);
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(messages[0]?.content).toBe('Hello! In two sentences, what is a sandbox?');
    expect(messages[1]?.id).toBe(completed.messageId);
    expect(messages[1]?.content).toBe(reply);
    expect(reply.length).toBeGreaterThan(0);
  });

  it('replays a finished turn whole to a client that connects afterwards, and resumes after Last-Event-ID', async () => {
    const sessionId = await api.createSession();
    const live = new SseStream(`${baseUrl}/v1/sessions/${sessionId}/events`, {
      authorization: `Bearer ${inject('adminKey')}`,
    });
    await api.postMessage(sessionId, 'Name three colours.');
    const original = await live.waitFor((all) => all.some((e) => TERMINAL.has(e.event)), 90_000);
    live.close();

    const late = new SseStream(`${baseUrl}/v1/sessions/${sessionId}/events`, {
      authorization: `Bearer ${inject('adminKey')}`,
    });
    const replayed = await late.waitFor((all) => all.length >= original.length, 10_000);
    late.close();
    expect(replayed.map((e) => [e.id, e.event, e.data])).toEqual(
      original.map((e) => [e.id, e.event, e.data]),
    );

    const cut = Math.floor(original.length / 2);
    const resumed = new SseStream(`${baseUrl}/v1/sessions/${sessionId}/events`, {
      authorization: `Bearer ${inject('adminKey')}`,
      'last-event-id': String(cut),
    });
    const rest = await resumed.waitFor((all) => all.length >= original.length - cut, 10_000);
    resumed.close();
    expect(rest.map((e) => e.id)).toEqual(original.slice(cut).map((e) => e.id));
  });
});
