import { loadConfig } from '#soma/platform';
import { Topics } from '#soma/contracts';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '#soma/client';

const brokers = loadConfig().kafkaBrokers;

async function inboundEndOffsets(): Promise<string> {
  const admin = new Kafka({ clientId: 'soma-test-offsets', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(Topics.conversationInbound);
    return offsets
      .sort((a, b) => a.partition - b.partition)
      .map((o) => `${o.partition}:${o.high}`)
      .join(',');
  } finally {
    await admin.disconnect();
  }
}

describe('bad input gets a clear 4xx and never reaches Kafka', () => {
  const baseUrl = inject('gatewayUrl');
  const api = new ApiClient(baseUrl, inject('adminKey'));
  let sessionId: string;
  let offsetsBefore: string;

  beforeAll(async () => {
    sessionId = await api.createSession();
    offsetsBefore = await inboundEndOffsets();
  });

  afterAll(async () => {
    // Nothing above produced to conversation.inbound, and nothing was persisted in the session.
    expect(await inboundEndOffsets()).toBe(offsetsBefore);
    expect(await api.messages(sessionId)).toEqual([]);
  });

  it('unknown session → 404 SESSION_NOT_FOUND (also for a malformed id)', async () => {
    for (const id of [crypto.randomUUID(), 'not-a-uuid']) {
      const response = await api.request<{ error: string }>('POST', `/v1/sessions/${id}/messages`, {
        body: { content: 'hi' },
      });
      expect(response.status).toBe(404);
      expect(response.body.error).toBe('SESSION_NOT_FOUND');
      expect((await api.request('GET', `/v1/sessions/${id}/messages`)).status).toBe(404);
      expect((await api.request('GET', `/v1/sessions/${id}/events`)).status).toBe(404);
    }
  });

  it.each([
    ['empty content', { content: '' }],
    ['blank content', { content: '   \n ' }],
    ['missing content', {}],
    ['non-string content', { content: 42 }],
    ['oversized content', { content: 'x'.repeat(8001) }],
  ])('%s → 400 naming the field', async (_, body) => {
    const response = await api.request<{ error: string; fields: { field: string }[] }>(
      'POST',
      `/v1/sessions/${sessionId}/messages`,
      { body },
    );
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('VALIDATION_FAILED');
    expect(response.body.fields.map((f) => f.field)).toContain('content');
  });

  it('unknown fields → 400 naming them', async () => {
    const response = await api.request<{ fields: { field: string }[] }>(
      'POST',
      `/v1/sessions/${sessionId}/messages`,
      {
        body: { content: 'hi', role: 'system' },
      },
    );
    expect(response.status).toBe(400);
    expect(response.body.fields.map((f) => f.field)).toEqual(['role']);
  });

  it('malformed JSON → 400 MALFORMED_JSON', async () => {
    const response = await api.request<{ error: string }>('POST', `/v1/sessions/${sessionId}/messages`, {
      rawBody: '{"content": "hi",',
    });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('MALFORMED_JSON');
  });

  it('a body over the limit → 413', async () => {
    const response = await api.request<{ error: string }>('POST', `/v1/sessions/${sessionId}/messages`, {
      body: { content: 'x'.repeat(200_000) },
    });
    expect(response.status).toBe(413);
    expect(response.body.error).toBe('PAYLOAD_TOO_LARGE');
  });

  it('missing or wrong API key → 401 on every /v1 route', async () => {
    const anonymous = new ApiClient(baseUrl, undefined);
    const wrong = new ApiClient(baseUrl, 'soma_not_a_real_key');
    for (const client of [anonymous, wrong]) {
      for (const [method, path] of [
        ['POST', '/v1/sessions'],
        ['POST', `/v1/sessions/${sessionId}/messages`],
        ['GET', `/v1/sessions/${sessionId}/messages`],
        ['GET', `/v1/sessions/${sessionId}/events`],
      ] as const) {
        const response = await client.request<{ error: string }>(method, path, {
          body: method === 'POST' ? { content: 'hi' } : undefined,
        });
        expect(response.status, `${method} ${path}`).toBe(401);
        expect(['API_KEY_MISSING', 'API_KEY_INVALID']).toContain(response.body.error);
      }
    }
  });
});
