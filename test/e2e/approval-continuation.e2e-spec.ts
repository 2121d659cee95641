import { ApiClient, SseStream, type SseEvent } from '#soma/client';
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { sessionWithProfile } from '../support/sessions.js';
import { ofTurn, payload, sleep, TERMINAL, terminalOf } from '../support/events.js';

interface Item {
  id: string;
  toolCallId: string;
  status: string;
  reasons: string[];
}

describe('a tool call that needs approval, overridden by an admin', () => {
  const baseUrl = inject('gatewayUrl');
  const admin = new ApiClient(baseUrl, inject('adminKey'));

  it('blocks with reasons in the turn, then after the override runs once and the session continues, streamed', async () => {
    const created = await admin.request<{ key: string }>('POST', '/v1/admin/api-keys', {
      body: { name: `approval-user-${randomUUID().slice(0, 6)}`, role: 'user' },
    });
    expect(created.status).toBe(201);
    const userKey = created.body.key;
    const user = new ApiClient(baseUrl, userKey);
    const { sessionId } = await sessionWithProfile(
      admin,
      { name: 'coder-approval', tools: ['code.execute'], toolChoice: 'required', maxTokens: 32 },
      user,
    );
    const stream = new SseStream(`${baseUrl}/v1/sessions/${sessionId}/events`, {
      authorization: `Bearer ${userKey}`,
    });
    const first = await user.postMessage(sessionId, 'Run a small Python program that prints 42.');
    await stream.waitFor(terminalOf(first.turnId), 180_000);

    // The user's call to a high-risk tool needs approval: the turn ends with the reasons, not with a run.
    const firstEvents = stream.events.filter(ofTurn(first.turnId));
    const requested = firstEvents.find((e) => e.event === 'tool.requested') as SseEvent;
    const toolCallId = payload<{ toolCallId: string }>(requested).toolCallId;
    const blocked = firstEvents.find((e) => e.event === 'tool.blocked') as SseEvent;
    expect(payload<{ toolCallId: string; reasons: string[] }>(blocked)).toMatchObject({ toolCallId });
    expect(payload<{ reasons: string[] }>(blocked).reasons.length).toBeGreaterThan(0);
    expect(firstEvents.filter((e) => TERMINAL.has(e.event)).map((e) => e.event)).toEqual(['turn.completed']);

    let item: Item | undefined;
    for (let i = 0; i < 120 && !item; i++) {
      const page = await admin.request<{ items: Item[] }>(
        'GET',
        `/v1/requeue?sessionId=${sessionId}&status=pending&limit=50`,
      );
      item = page.body.items.find((candidate) => candidate.toolCallId === toolCallId);
      if (!item) await sleep(250);
    }
    expect(item?.reasons.length).toBeGreaterThan(0);
    const overridden = await admin.request('POST', `/v1/requeue/${item?.id ?? ''}/override`, {
      body: { reason: 'reviewed: harmless demo program' },
    });
    expect(overridden.status).toBe(200);

    // The approved call runs once; its result starts a new turn that streams the continuation.
    const completed = await stream.waitFor(
      (events) =>
        events.some(
          (e) => e.event === 'tool.completed' && payload<{ toolCallId: string }>(e).toolCallId === toolCallId,
        ),
      120_000,
    );
    const resultEvent = completed.find((e) => e.event === 'tool.completed') as SseEvent;
    const continuation = payload<{ turnId: string }>(resultEvent).turnId;
    expect(continuation).not.toBe(first.turnId);
    await stream.waitFor(terminalOf(continuation), 120_000);
    await sleep(2000);
    stream.close();
    const later = stream.events.filter(ofTurn(continuation));
    expect(later.map((e) => e.event).filter((t) => t !== 'token')).toEqual([
      'turn.started',
      'tool.completed',
      'turn.completed',
    ]);
    expect(later.some((e) => e.event === 'token')).toBe(true);
    expect(stream.events.filter((e) => e.event === 'tool.completed')).toHaveLength(1);

    const messages = await user.listAll<{ role: string; toolCallId: string | null; turnId: string }>(
      `/v1/sessions/${sessionId}/messages`,
    );
    expect(messages.map((m) => [m.turnId === first.turnId ? 'first' : 'continuation', m.role])).toEqual([
      ['first', 'user'],
      ['first', 'assistant'],
      ['first', 'tool'],
      ['first', 'assistant'],
      ['continuation', 'tool'],
      ['continuation', 'assistant'],
    ]);
    expect(messages.filter((m) => m.role === 'tool').every((m) => m.toolCallId === toolCallId)).toBe(true);
  });
});
