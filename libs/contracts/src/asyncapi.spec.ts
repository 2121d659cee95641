import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildAsyncApiDocument } from './asyncapi.contract.js';
import { messageTypes } from './registry.contract.js';
import { allTopicSpecs } from './topics.contract.js';

const committed = new URL('../../../docs/asyncapi.json', import.meta.url);

describe('AsyncAPI document', () => {
  const document = buildAsyncApiDocument() as {
    channels: Record<string, { address: string; messages: Record<string, unknown> }>;
    components: { messages: Record<string, { name: string; payload: unknown }> };
  };

  it('docs/asyncapi.json is what the contracts generate (run `npm run asyncapi` after changing them)', () => {
    expect(JSON.parse(readFileSync(committed, 'utf8'))).toEqual(JSON.parse(JSON.stringify(document)));
  });

  it('has a channel for every Kafka topic and a message for every message type', () => {
    const addresses = Object.values(document.channels).map((channel) => channel.address);
    for (const spec of allTopicSpecs()) expect(addresses).toContain(spec.name);
    const names = Object.values(document.components.messages).map((message) => message.name);
    for (const type of messageTypes) expect(names).toContain(type.type);
    expect(addresses).toEqual(expect.arrayContaining(['/v1/sessions/{sessionId}/events', '/sessions']));
  });

  it('streams the same outbound events on SSE and Socket.IO', () => {
    const sse = Object.keys(document.channels.sse_session_events?.messages ?? {});
    const socket = Object.keys(document.channels.socketio_sessions?.messages ?? {});
    expect(sse.length).toBeGreaterThan(7);
    expect(socket).toEqual(expect.arrayContaining(sse));
  });
});
