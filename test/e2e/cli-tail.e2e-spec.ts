import { ApiClient, type SessionEvent } from '#soma/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli, startCli } from '../support/cli.js';
import { sleep } from '../support/events.js';
import { sessionWithProfile } from '../support/sessions.js';
import { CuttingProxy } from '../support/tcp-proxy.js';

const lines = (stdout: string): SessionEvent[] =>
  stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as SessionEvent);

describe('soma sessions tail', () => {
  const baseUrl = inject('gatewayUrl');
  const key = inject('adminKey');
  const api = new ApiClient(baseUrl, key);
  let proxy: CuttingProxy;
  let sessionId: string;
  let reply: string;

  beforeAll(async () => {
    proxy = await CuttingProxy.start(baseUrl);
    ({ sessionId } = await sessionWithProfile(api, { name: 'cli-tail', maxTokens: 32 }));
  });

  afterAll(async () => {
    await proxy.stop();
  });

  it('prints every event once in seq order across a connection cut mid-stream, resuming with Last-Event-ID', async () => {
    const tail = startCli(['sessions', 'tail', sessionId, '--json', '--until-turn-end', '--url', proxy.url], {
      SOMA_API_KEY: key,
    });
    // Cut right after the first token frame reached the CLI: whatever followed it is dropped by the proxy.
    const cut = proxy.cutAfterFrame('event: token', 1500);
    for (let i = 0; i < 100 && proxy.connections.length === 0; i++) await sleep(100);
    const { turnId } = await api.postMessage(sessionId, 'Tell me a short story about a lighthouse keeper.');
    await cut;
    const result = await tail.exited;
    expect(result.stderr).toMatch(/reconnecting after seq \d+/);
    expect(result.code).toBe(0);

    const events = lines(result.stdout);
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(events[0]?.type).toBe('turn.started');
    expect(events.at(-1)?.type).toBe('turn.completed');
    expect(events.filter((e) => e.type === 'turn.completed')).toHaveLength(1);
    expect(events.every((e) => e.data.turnId === turnId)).toBe(true);

    // The reconnection asked for exactly what followed the last event printed before the cut.
    const lastBeforeCut = events.filter((e) => e.type === 'token')[0]?.seq;
    const resumed = proxy.connections.filter((c) => !c.refused).slice(1);
    expect(resumed.length).toBeGreaterThanOrEqual(1);
    expect(resumed[0]?.requestHead).toMatch(new RegExp(`last-event-id: ${lastBeforeCut}\\r\\n`, 'i'));
    expect(proxy.connections.some((c) => c.refused)).toBe(true);

    const messages = await api.messages(sessionId);
    reply = messages.find((m) => m.role === 'assistant' && m.turnId === turnId)?.content ?? '';
    const printed = events
      .filter((e) => e.type === 'token')
      .map((e) => e.data.delta as string)
      .join('');
    expect(printed).toBe(reply);
  });

  it('prints deltas as text for people, after a given seq', async () => {
    const all = await runCli(['sessions', 'tail', sessionId, '--until-turn-end'], {
      SOMA_API_KEY: key,
      SOMA_URL: baseUrl,
    });
    expect(all.code).toBe(0);
    expect(all.stdout).toContain(reply);
    expect(all.stdout).toMatch(/\[turn completed · \d+ prompt \+ \d+ completion tokens\]/);

    const later = await runCli(
      ['sessions', 'tail', sessionId, '--json', '--after-seq', '2', '--turns', '1'],
      {
        SOMA_API_KEY: key,
        SOMA_URL: baseUrl,
      },
    );
    expect(later.code).toBe(0);
    expect(
      later.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as SessionEvent).seq)[0],
    ).toBe(3);
  });

  it('refuses an unknown session with its error code, and bad flags with usage', async () => {
    const missing = await runCli(
      ['sessions', 'tail', '00000000-0000-4000-8000-000000000000', '--until-turn-end'],
      { SOMA_API_KEY: key, SOMA_URL: baseUrl },
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('SESSION_NOT_FOUND');
    const both = await runCli(['sessions', 'tail', sessionId, '--turns', '1', '--until-turn-end'], {
      SOMA_API_KEY: key,
      SOMA_URL: baseUrl,
    });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('usage');
  });
});
