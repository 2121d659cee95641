import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '#soma/client';
import { startApp, TEST_PORTS, type RunningApp } from '../support/apps.js';
import { hasTerminal, openStream, replyOf, type Received, type Transport } from '../support/turn-streams.js';

const PROMPT = 'Write a long and detailed story about a dragon who learns to bake bread, in many paragraphs.';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Gapless, duplicate-free, one terminal at the end, and the deltas add up to the persisted reply. */
async function expectWholeTurn(api: ApiClient, sessionId: string, events: Received[]): Promise<void> {
  expect(events.map((e) => e.seq)).toEqual(events.map((_, index) => index + 1));
  for (const event of events) expect(event.data.seq).toBe(event.seq);
  expect(events[0]?.type).toBe('turn.started');
  expect(
    events.filter((e) => e.type === 'turn.completed' || e.type === 'turn.failed').map((e) => e.type),
  ).toEqual(['turn.completed']);
  expect(events.at(-1)?.type).toBe('turn.completed');
  const messages = await api.messages(sessionId);
  const assistant = messages.find((m) => m.role === 'assistant');
  expect(assistant?.id).toBe(events.at(-1)?.data.messageId);
  expect(replyOf(events)).toBe(assistant?.content);
  expect(replyOf(events).length).toBeGreaterThan(0);
}

describe('resumable streams across reconnects and gateway instances (SSE and Socket.IO)', () => {
  const urlA = inject('gatewayUrl');
  const adminKey = inject('adminKey');
  const api = new ApiClient(urlA, adminKey);
  let gatewayB: RunningApp;
  let urlB: string;

  beforeAll(async () => {
    const port = TEST_PORTS.requeue + 1;
    gatewayB = await startApp('gateway', { port, env: { SOMA_INSTANCE_ID: 'gw-b' }, logSuffix: '-b' });
    urlB = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await gatewayB.stop();
  });

  /** Disconnects after a random number of events, then resumes from the last seq it saw. */
  async function cutAndResume(transport: Transport, resumeOnB: boolean): Promise<void> {
    const sessionId = await api.createSession();
    const first = await openStream(transport, urlA, adminKey, sessionId, 0);
    await api.postMessage(sessionId, PROMPT);
    const cutAfter = 1 + Math.floor(Math.random() * 15);
    await first.waitUntil((events) => events.length >= cutAfter, 90_000);
    first.close();
    const before = first.received();
    expect(hasTerminal(before), 'the cut happened mid-turn').toBe(false);
    const lastSeq = before.at(-1)?.seq ?? 0;

    const second = await openStream(transport, resumeOnB ? urlB : urlA, adminKey, sessionId, lastSeq);
    const after = await second.waitUntil(hasTerminal, 90_000);
    await sleep(500); // anything after the terminal event would be a duplicate or a stray
    second.close();
    expect(second.received()).toEqual(after);
    expect(after[0]?.seq).toBe(lastSeq + 1);
    await expectWholeTurn(api, sessionId, [...before, ...after]);
  }

  for (const transport of ['sse', 'socketio'] as const) {
    it(`${transport}: reconnect to the same instance after a random cut → exact reply, no seq repeated or missing`, async () => {
      for (let round = 0; round < 2; round++) await cutAndResume(transport, false);
    });

    it(`${transport}: reconnect lands on the other gateway instance → exact reply, no seq repeated or missing`, async () => {
      for (let round = 0; round < 2; round++) await cutAndResume(transport, true);
    });
  }

  it('two instances stream the same session at once, each every event; a late Socket.IO join replays it whole', async () => {
    const sessionId = await api.createSession();
    const streams = await Promise.all([
      openStream('sse', urlA, adminKey, sessionId, 0),
      openStream('socketio', urlA, adminKey, sessionId, 0),
      openStream('sse', urlB, adminKey, sessionId, 0),
      openStream('socketio', urlB, adminKey, sessionId, 0),
    ]);
    await api.postMessage(sessionId, 'Name three rivers.');
    const results = await Promise.all(streams.map((s) => s.waitUntil(hasTerminal, 90_000)));
    await sleep(500);
    for (const stream of streams) stream.close();
    const reference = streams[0]?.received() ?? [];
    await expectWholeTurn(api, sessionId, reference);
    for (const [index, stream] of streams.entries()) {
      expect(stream.received(), `stream ${index}`).toEqual(reference);
      expect(results[index]?.length).toBeGreaterThan(0);
    }

    for (const url of [urlA, urlB]) {
      const late = await openStream('socketio', url, adminKey, sessionId, 0);
      const replayed = await late.waitUntil((events) => events.length >= reference.length, 10_000);
      late.close();
      expect(replayed).toEqual(reference);
    }
  });

  it('exposes stream metrics: open streams, resumes, events delivered, delivery latency', async () => {
    const metrics = await (await fetch(`${inject('gatewayOpsUrl')}/metrics`)).text();
    const value = (pattern: RegExp): number => Number(pattern.exec(metrics)?.[1] ?? NaN);
    expect(metrics).toMatch(/gateway_open_streams\{[^}]*transport="sse"[^}]*\} \d+/);
    expect(value(/gateway_stream_resumes_total\{[^}]*transport="sse"[^}]*\} (\d+)/)).toBeGreaterThan(0);
    expect(value(/gateway_stream_resumes_total\{[^}]*transport="socketio"[^}]*\} (\d+)/)).toBeGreaterThan(0);
    expect(
      value(/gateway_stream_events_delivered_total\{[^}]*transport="socketio"[^}]*\} (\d+)/),
    ).toBeGreaterThan(10);
    expect(
      value(/gateway_stream_delivery_latency_seconds_count\{[^}]*transport="sse"[^}]*\} (\d+)/),
    ).toBeGreaterThan(10);
  });
});
