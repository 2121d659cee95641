import { ApiClient, SseStream } from '#soma/client';
import { describe, expect, inject, it } from 'vitest';
import { startApp } from '../support/apps.js';
import { sessionWithProfile } from '../support/sessions.js';
import { ofTurn, payload, sleep, TERMINAL, terminalOf } from '../support/events.js';

describe('a worker killed mid-turn', () => {
  const baseUrl = inject('gatewayUrl');
  const key = inject('adminKey');
  const api = new ApiClient(baseUrl, key);

  it('ends the turn with exactly one terminal event, persists nothing twice, and the session keeps working', async () => {
    // Long replies, so the kill surely lands mid-generation.
    const { sessionId } = await sessionWithProfile(api, { name: 'long-replies', maxTokens: 1500 });
    const stream = new SseStream(`${baseUrl}/v1/sessions/${sessionId}/events`, {
      authorization: `Bearer ${key}`,
    });
    const { turnId } = await api.postMessage(
      sessionId,
      'Write a long, detailed essay about the history of ships.',
    );
    await stream.waitFor((events) => events.filter((e) => e.event === 'token').length >= 2, 120_000);

    process.kill(inject('appPids')['conversation-worker'], 'SIGKILL');
    // Another instance takes over the partitions and its watchdog ends the orphaned turn.
    await startApp('conversation-worker', { detached: true, logSuffix: '-after-crash' });
    const events = await stream.waitFor(terminalOf(turnId), 90_000);
    await sleep(3000);

    const terminals = stream.events.filter((e) => TERMINAL.has(e.event) && ofTurn(turnId)(e));
    expect(terminals).toHaveLength(1);
    expect(terminals[0]?.event).toBe('turn.failed');
    expect(payload<{ code: string }>(terminals[0] as NonNullable<(typeof terminals)[0]>).code).toBe(
      'WORKER_LOST',
    );
    const seqs = stream.events.map((e) => Number(e.id));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(events.length).toBeGreaterThan(2);

    const messages = await api.messages(sessionId);
    expect(messages.map((m) => m.role)).toEqual(['user']);

    const next = await api.postMessage(sessionId, 'Are you there?');
    const after = await stream.waitFor(terminalOf(next.turnId), 120_000);
    stream.close();
    expect(after.find((e) => TERMINAL.has(e.event) && ofTurn(next.turnId)(e))?.event).toBe('turn.completed');
    const final = await api.messages(sessionId);
    expect(final.map((m) => m.role)).toEqual(['user', 'user', 'assistant']);
  });
});
