import { ApiClient, SseStream } from '#soma/client';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { withDb } from '../support/db.js';
import { payload, terminalOf } from '../support/events.js';

interface ErrorBody {
  error: string;
  fields?: { field: string }[];
}

/** A model profile's apiKeyEnv may only name a SOMA_LLM_KEY_* variable: on create, on update, and at use. */
describe("a model profile's apiKeyEnv", () => {
  const baseUrl = inject('gatewayUrl');
  const key = inject('adminKey');
  const api = new ApiClient(baseUrl, key);
  // A real OpenAI-compatible endpoint would receive the key; this one records what reaches it.
  const seen: IncomingHttpHeaders[] = [];
  let server: Server;
  let port = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const profile = (apiKeyEnv: string) => ({
    name: `key-env-${randomUUID().slice(0, 8)}`,
    provider: 'openai',
    model: 'x',
    baseUrl: `http://127.0.0.1:${port}/v1`,
    apiKeyEnv,
  });

  it.each(['SOMA_PG_URL', 'SOMA_ADMIN_API_KEY', 'OPENAI_API_KEY', 'SOMA_LLM_KEY_', 'soma_llm_key_x'])(
    'refuses %s on create and on update (400 naming apiKeyEnv)',
    async (name) => {
      const created = await api.request<ErrorBody>('POST', '/v1/model-profiles', { body: profile(name) });
      expect(created.status).toBe(400);
      expect(created.body.error).toBe('VALIDATION_FAILED');
      expect(created.body.fields?.map((f) => f.field)).toContain('apiKeyEnv');
      const ok = await api.request<{ id: string; apiKeyEnv: string }>('POST', '/v1/model-profiles', {
        body: profile('SOMA_LLM_KEY_TEST'),
      });
      expect(ok.status).toBe(201);
      expect(ok.body.apiKeyEnv).toBe('SOMA_LLM_KEY_TEST');
      const patched = await api.request<ErrorBody>('PATCH', `/v1/model-profiles/${ok.body.id}`, {
        body: { apiKeyEnv: name },
      });
      expect(patched.status).toBe(400);
      expect(patched.body.fields?.map((f) => f.field)).toContain('apiKeyEnv');
      await api.request('DELETE', `/v1/model-profiles/${ok.body.id}`);
    },
  );

  it('refuses at use a profile stored with another variable: the turn fails, nothing is sent', async () => {
    const created = await api.request<{ id: string; name: string }>('POST', '/v1/model-profiles', {
      body: profile('SOMA_LLM_KEY_TEST'),
    });
    expect(created.status).toBe(201);
    // As a profile stored before the rule, or written around the API, would be.
    await withDb((db) =>
      db.query(`UPDATE model_profiles SET api_key_env = 'SOMA_PG_URL' WHERE id = $1`, [created.body.id]),
    );
    const session = await api.request<{ id: string }>('POST', '/v1/sessions', {
      body: { modelProfile: created.body.name },
    });
    const stream = new SseStream(`${baseUrl}/v1/sessions/${session.body.id}/events`, {
      authorization: `Bearer ${key}`,
    });
    const before = seen.length;
    const { turnId } = await api.postMessage(session.body.id, 'hello');
    const events = await stream.waitFor(terminalOf(turnId), 120_000);
    stream.close();
    const failed = events.find((e) => e.event === 'turn.failed');
    expect(failed).toBeDefined();
    expect(payload<{ code: string }>(failed as NonNullable<typeof failed>).code).toBe('API_KEY_NOT_ALLOWED');
    expect(seen.length).toBe(before);
  });
});
