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

  it.each([
    ['a NUL byte', 'a\u0000b'],
    ['an unpaired high surrogate', 'x\ud800'],
    ['an unpaired low surrogate', '\udc00y'],
  ])('%s in a text field → 400 VALIDATION_FAILED naming it (never reaches PostgreSQL)', async (_, text) => {
    type Refusal = { error: string; fields: { field: string }[] };
    const cases: [string, string, unknown, string][] = [
      ['POST', `/v1/sessions/${sessionId}/messages`, { content: text }, 'content'],
      ['POST', '/v1/sessions', { title: text }, 'title'],
      ['POST', '/v1/admin/api-keys', { name: text, role: 'user' }, 'name'],
      ['POST', `/v1/sessions/${sessionId}/messages`, { content: 'hi', [text]: 1 }, text],
    ];
    for (const [method, path, body, field] of cases) {
      const response = await api.request<Refusal>(method, path, { body });
      expect(response.status, `${method} ${path}`).toBe(400);
      expect(response.body.error).toBe('VALIDATION_FAILED');
      expect(response.body.fields.map((f) => f.field)).toEqual([field]);
    }
  });

  it('a NUL byte in a query or path parameter → 400 VALIDATION_FAILED naming it', async () => {
    type Refusal = { error: string; fields: { field: string }[] };
    const query = await api.request<Refusal>('GET', '/v1/sessions?title=a%00b');
    expect(query.status).toBe(400);
    expect(query.body.fields.map((f) => f.field)).toEqual(['title']);
    const audit = await api.request<Refusal>('GET', '/v1/audit-events?action=x%00');
    expect(audit.status).toBe(400);
    expect(audit.body.fields.map((f) => f.field)).toEqual(['action']);
  });

  it('limits are strict integers with bounds on every list, cursors single strings, offset gone → 400 naming the field', async () => {
    for (const list of ['/v1/sessions', '/v1/requeue', '/v1/audit-events', '/v1/dead-letters']) {
      for (const [query, field] of [
        ['offset=0', 'offset'],
        ['limit=1e21', 'limit'],
        ['limit=100000000000000000000', 'limit'],
        ['limit=1e1', 'limit'],
        ['limit=0x10', 'limit'],
        ['limit=-1', 'limit'],
        ['limit=1&limit=2', 'limit'],
        ['cursor=a&cursor=b', 'cursor'],
      ] as const) {
        const response = await api.request<{ error: string; fields: { field: string }[] }>(
          'GET',
          `${list}?${query}`,
        );
        expect(response.status, `${list}?${query}`).toBe(400);
        expect(response.body.error).toBe('VALIDATION_FAILED');
        expect(response.body.fields.map((f) => f.field)).toEqual([field]);
      }
      expect((await api.request('GET', `${list}?limit=200`)).status, list).toBe(200);
    }
  });

  it('ISO week, ordinal and impossible dates on the requeue, audit and dead-letter lists → 400 naming the field', async () => {
    for (const list of ['/v1/requeue', '/v1/audit-events', '/v1/dead-letters']) {
      for (const query of [
        'from=2024-W01',
        'to=2024-W01-1',
        'from=2024-001',
        'from=2024-02-30',
        'to=2024-13-01',
      ]) {
        const response = await api.request<{ error: string; fields: { field: string }[] }>(
          'GET',
          `${list}?${query}`,
        );
        expect(response.status, `${list}?${query}`).toBe(400);
        expect(response.body.error).toBe('VALIDATION_FAILED');
        expect(response.body.fields.map((f) => f.field)).toEqual([query.split('=')[0]]);
      }
      expect((await api.request('GET', `${list}?from=2024-01-01&to=2024-01-31T12:00:00Z`)).status).toBe(200);
    }
  });

  it('SSE: a repeated or malformed afterSeq / Last-Event-ID → 400 before any header is written', async () => {
    for (const [query, headers, field] of [
      ['afterSeq=1&afterSeq=2', {}, 'afterSeq'],
      ['afterSeq=1e3', {}, 'afterSeq'],
      ['afterSeq=-1', {}, 'afterSeq'],
      ['', { 'last-event-id': 'abc' }, 'Last-Event-ID'],
    ] as const) {
      const response = await api.request<{ error: string; fields: { field: string }[] }>(
        'GET',
        `/v1/sessions/${sessionId}/events?${query}`,
        { headers },
      );
      expect(response.status, query).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.body.error).toBe('VALIDATION_FAILED');
      expect(response.body.fields.map((f) => f.field)).toEqual([field]);
    }
  });

  it('a malformed docs cookie (%E0%A4) → 401 API_KEY_INVALID, not 500', async () => {
    for (const path of ['/docs-json', '/docs']) {
      const response = await fetch(`${baseUrl}${path}`, { headers: { cookie: 'soma_docs_session=%E0%A4' } });
      expect(response.status, path).toBe(401);
      const text = await response.text();
      expect(text).toContain('API_KEY_INVALID');
    }
  });
});
