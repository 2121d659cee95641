import { ApiClient, SseStream, type Page } from '#soma/client';
import { describe, expect, inject, it } from 'vitest';
import { startApp } from '../support/apps.js';
import { pidOfInstance } from '../support/faults.js';
import { sessionWithProfile } from '../support/sessions.js';
import { ofTurn, payload, sleep, TERMINAL, terminalOf } from '../support/events.js';

describe('the only worker killed mid-turn, then started again', () => {
  const baseUrl = inject('gatewayUrl');
  const key = inject('adminKey');
  const api = new ApiClient(baseUrl, key);

  it('resumes the same turn from the streamed text: one continuous reply, persisted as streamed, attempt 2', async () => {
    // Long replies, so the kill surely lands mid-generation.
    const { sessionId } = await sessionWithProfile(api, { name: 'long-replies', maxTokens: 600 });
    const stream = new SseStream(`${baseUrl}/v1/sessions/${sessionId}/events`, {
      authorization: `Bearer ${key}`,
    });
    const { turnId } = await api.postMessage(
      sessionId,
      'Write a long, detailed essay about the history of ships.',
    );
    await stream.waitFor((events) => events.filter((e) => e.event === 'token').length >= 5, 120_000);

    // The instance running the turn (another file may have replaced the one the global setup started).
    const running = await api.request<Page<{ id: string; instanceId: string | null }>>(
      'GET',
      `/v1/sessions/${sessionId}/turns`,
    );
    const pid = pidOfInstance(running.body.items.find((t) => t.id === turnId)?.instanceId ?? '');
    expect(pid, 'the worker running the turn is found').toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    const streamedBeforeKill = stream.events.filter((e) => e.event === 'token').length;
    // A new instance: its watchdog (or the redelivered message) takes the turn over.
    await startApp('conversation-worker', { detached: true, logSuffix: '-after-crash' });
    await stream.waitFor(terminalOf(turnId), 120_000);
    await sleep(2000);
    stream.close();

    const own = stream.events.filter(ofTurn(turnId));
    const terminals = own.filter((e) => TERMINAL.has(e.event));
    expect(terminals.map((e) => e.event)).toEqual(['turn.completed']);
    const resumed = own.filter((e) => e.event === 'turn.resumed');
    expect(resumed).toHaveLength(1);
    expect(payload<{ attempt: number }>(resumed[0] as NonNullable<(typeof resumed)[0]>).attempt).toBe(2);
    const seqs = stream.events.map((e) => Number(e.id));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    const deltas = own.filter((e) => e.event === 'token').map((e) => payload<{ delta: string }>(e).delta);
    expect(deltas.length).toBeGreaterThan(streamedBeforeKill);

    const messages = await api.messages(sessionId);
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(messages[1]?.content).toBe(deltas.join(''));
    const turns = (
      await api.request<{ items: { id: string; attempts: number; instanceId: string }[] }>(
        'GET',
        `/v1/sessions/${sessionId}/turns`,
      )
    ).body.items;
    expect(turns.find((t) => t.id === turnId)?.attempts).toBe(2);

    const next = await api.postMessage(sessionId, 'Are you there?');
    const again = new SseStream(`${baseUrl}/v1/sessions/${sessionId}/events`, {
      authorization: `Bearer ${key}`,
      'last-event-id': String(seqs.at(-1)),
    });
    const after = await again.waitFor(terminalOf(next.turnId), 120_000);
    again.close();
    expect(after.find((e) => TERMINAL.has(e.event) && ofTurn(next.turnId)(e))?.event).toBe('turn.completed');
  });
});
