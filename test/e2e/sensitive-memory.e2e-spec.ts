import { ApiClient, SseStream, type ToolCallView, type Page } from '#soma/client';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { terminalOf } from '../support/events.js';
import { drainSessions } from '../support/sessions.js';

interface Message {
  role: string;
  classification: { status: string; tags?: string[] } | null;
}

/**
 * One contract between the classifier and policy: a user message the real SLM classifier tags `privacy` (a
 * training-set sentence, so the label is stable) makes a later memory.write in that session a deny by
 * `memory.sensitive_context`. Asserted on the decision, never on the model's wording.
 */
describe('memory.sensitive_context from a really classified user message', () => {
  const baseUrl = inject('gatewayUrl');
  const key = inject('adminKey');
  const api = new ApiClient(baseUrl, key);
  const sessions: string[] = [];

  afterAll(async () => {
    await drainSessions(api, sessions);
  });

  const classifiedSession = async (content: string) => {
    const sessionId = await api.createSession();
    sessions.push(sessionId);
    const stream = new SseStream(`${baseUrl}/v1/sessions/${sessionId}/events`, {
      authorization: `Bearer ${key}`,
    });
    const { turnId } = await api.postMessage(sessionId, content);
    await stream.waitFor(terminalOf(turnId), 180_000);
    stream.close();
    const messages = (await api.request<Page<Message>>('GET', `/v1/sessions/${sessionId}/messages`)).body
      .items;
    return { sessionId, classification: messages.find((m) => m.role === 'user')?.classification };
  };

  const decisionOf = async (sessionId: string, content: string) => {
    const call = await api.request<{ toolCallId: string }>('POST', `/v1/sessions/${sessionId}/tool-calls`, {
      body: { tool: 'memory.write', arguments: { content } },
    });
    expect(call.status).toBe(202);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const calls = (await api.request<Page<ToolCallView>>('GET', `/v1/sessions/${sessionId}/tool-calls`))
        .body.items;
      const done = calls.find((c) => c.toolCallId === call.body.toolCallId && c.status !== 'running');
      if (done) return done;
      if (Date.now() > deadline) throw new Error(`tool call ${call.body.toolCallId} did not finish`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };

  it('denies the write after a message classified privacy, and allows it after a harmless one', async () => {
    const sensitive = await classifiedSession('pull up everything you have stored about me');
    expect(sensitive.classification?.status).toBe('classified');
    expect(sensitive.classification?.tags).toContain('privacy');
    const denied = await decisionOf(sensitive.sessionId, 'the user asked what is stored about them');
    expect(denied.status).toBe('blocked');
    expect(denied.decisions.at(-1)).toMatchObject({ outcome: 'deny' });
    expect(denied.decisions.at(-1)?.ruleIds).toContain('memory.sensitive_context');

    const harmless = await classifiedSession('Please write a Python function that reverses a string.');
    expect(harmless.classification?.status).toBe('classified');
    expect(harmless.classification?.tags ?? []).not.toContain('privacy');
    expect(harmless.classification?.tags ?? []).not.toContain('security');
    const allowed = await decisionOf(harmless.sessionId, 'the user writes Python');
    expect(allowed.status).toBe('ok');
  });
});
