import { ApiClient, type Page, type TurnView } from '#soma/client';
import OpenAI, {
  APIError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  RateLimitError,
} from 'openai';
import { createTenant } from '../support/tenants.js';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';

interface Message {
  role: string;
  content: string;
  turnId: string | null;
}

/** The thrown error of a call that must fail (the SDK throws its typed APIError subclasses). */
async function failure(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('the call succeeded');
}

describe('the OpenAI API, served (the official openai SDK with baseURL and apiKey only)', () => {
  const baseUrl = inject('gatewayUrl');
  const key = inject('adminKey');
  const api = new ApiClient(baseUrl, key);
  const client = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: key });
  let model = '';

  const history = async (sessionId: string): Promise<Message[]> => {
    const page = await api.request<Page<Message>>('GET', `/v1/sessions/${sessionId}/messages`);
    expect(page.status).toBe(200);
    return page.body.items;
  };

  beforeAll(async () => {
    model = `openai-${randomUUID().slice(0, 8)}`;
    const created = await api.request('POST', '/v1/model-profiles', {
      body: { name: model, provider: 'local', model: 'SmolLM2-135M-Instruct-Q4_1', maxTokens: 32 },
    });
    expect(created.status).toBe(201);
  });

  it('lists the model profiles as models', async () => {
    const ids: string[] = [];
    for await (const entry of client.models.list()) {
      expect(entry.object).toBe('model');
      expect(entry.created).toBeGreaterThan(0);
      ids.push(entry.id);
    }
    expect(ids).toContain(model);
    expect(ids).toContain('local-default');
  });

  it('a non-streamed completion is one session turn; X-Soma-Session-Id continues the session', async () => {
    const { data: completion, response } = await client.chat.completions
      .create({ model, messages: [{ role: 'user', content: 'Name one colour.' }] })
      .withResponse();
    const sessionId = response.headers.get('x-soma-session-id') ?? '';
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(completion.object).toBe('chat.completion');
    expect(completion.id).toMatch(/^chatcmpl-[0-9a-f-]{36}$/);
    expect(completion.model).toBe(model);
    expect(completion.choices).toHaveLength(1);
    const [choice] = completion.choices;
    expect(choice?.finish_reason).toBe('stop');
    expect(choice?.message.role).toBe('assistant');
    expect(choice?.message.content?.length).toBeGreaterThan(0);
    const usage = completion.usage;
    expect(usage?.prompt_tokens).toBeGreaterThan(0);
    expect(usage?.completion_tokens).toBeGreaterThan(0);
    expect(usage?.total_tokens).toBe((usage?.prompt_tokens ?? 0) + (usage?.completion_tokens ?? 0));

    const turnId = completion.id.slice('chatcmpl-'.length);
    const first = await history(sessionId);
    expect(first.map((m) => [m.role, m.turnId])).toEqual([
      ['user', turnId],
      ['assistant', turnId],
    ]);
    expect(first[0]?.content).toBe('Name one colour.');
    expect(first[1]?.content).toBe(choice?.message.content);

    // The client resends the conversation; only its last (user) message is posted, to the same session.
    const next = await client.chat.completions.create(
      {
        model,
        messages: [
          { role: 'user', content: 'Name one colour.' },
          { role: 'assistant', content: choice?.message.content ?? '' },
          { role: 'user', content: 'And another one.' },
        ],
      },
      { headers: { 'X-Soma-Session-Id': sessionId } },
    );
    expect(next.id).not.toBe(completion.id);
    const second = await history(sessionId);
    expect(second.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(second[2]?.content).toBe('And another one.');
    expect(second[3]?.content).toBe(next.choices[0]?.message.content);
  });

  it('a streamed completion: a role chunk, content deltas, a stop chunk, the usage chunk, then [DONE]', async () => {
    const { data: stream, response } = await client.chat.completions
      .create({
        model,
        messages: [{ role: 'user', content: 'Say hello in three words.' }],
        stream: true,
        stream_options: { include_usage: true },
      })
      .withResponse();
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const sessionId = response.headers.get('x-soma-session-id') ?? '';
    const chunks = [];
    // The iteration ends only at data: [DONE] (the SDK stops there).
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks.length).toBeGreaterThanOrEqual(4);
    for (const chunk of chunks) {
      expect(chunk.object).toBe('chat.completion.chunk');
      expect(chunk.id).toBe(chunks[0]?.id);
    }
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(last?.usage?.completion_tokens).toBeGreaterThan(0);
    const withChoices = chunks.slice(0, -1);
    const stops = withChoices.filter((c) => c.choices[0]?.finish_reason === 'stop');
    expect(stops).toHaveLength(1);
    expect(withChoices.at(-1)).toBe(stops[0]);
    const text = withChoices.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text.length).toBeGreaterThan(0);

    const messages = await history(sessionId);
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(messages[1]?.content).toBe(text);
    expect(messages[1]?.turnId).toBe(chunks[0]?.id.slice('chatcmpl-'.length));
  });

  describe('tools: offered by name, run server-side under policy, reported as tool_calls', () => {
    let coder = '';
    const offered = [{ type: 'function' as const, function: { name: 'code.execute', parameters: {} } }];
    const ask = 'Run a small Python program that prints the number 42.';

    /** A profile of code.execute with the given choice; a request only narrows it. */
    const profileOf = async (toolChoice: 'auto' | 'required') => {
      const name = `openai-coder-${toolChoice}-${randomUUID().slice(0, 8)}`;
      const created = await api.request('POST', '/v1/model-profiles', {
        body: {
          name,
          provider: 'local',
          model: 'SmolLM2-135M-Instruct-Q4_1',
          maxTokens: 32,
          tools: ['code.execute'],
          toolChoice,
        },
      });
      expect(created.status).toBe(201);
      return name;
    };

    beforeAll(async () => {
      // The request's `required` is what makes the call: left to this profile, the model may not call at all.
      coder = await profileOf('auto');
    });

    /** The session's history proves the call ran here: the assistant's call, the tool's result, the answer. */
    const ranServerSide = async (sessionId: string, call: { id: string; function: { name: string } }) => {
      const messages = await history(sessionId);
      expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
      const [, asked, result] = messages;
      expect(JSON.parse(asked?.content ?? '{}')).toMatchObject({
        tool_call: { id: call.id, name: 'code.execute' },
      });
      expect(JSON.parse(result?.content ?? '{}')).toHaveProperty('status');
      return messages;
    };

    /** The tool allowance stored on the session's one turn (GET /v1/sessions/{id}/turns). */
    const allowanceOf = async (sessionId: string) => {
      const page = await api.request<Page<TurnView>>('GET', `/v1/sessions/${sessionId}/turns`);
      expect(page.status).toBe(200);
      expect(page.body.items).toHaveLength(1);
      return page.body.items[0]?.toolAllowance;
    };

    it('non-streamed: tool_choice required makes the call; tool_calls on the message, finish_reason stop', async () => {
      const { data: completion, response } = await client.chat.completions
        .create({
          model: coder,
          messages: [{ role: 'user', content: ask }],
          tools: offered,
          tool_choice: 'required',
        })
        .withResponse();
      const [choice] = completion.choices;
      expect(choice?.finish_reason).toBe('stop');
      const calls = choice?.message.tool_calls ?? [];
      expect(calls).toHaveLength(1);
      const [call] = calls;
      if (call?.type !== 'function') throw new Error('expected a function tool call');
      expect(call.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(call.function.name).toBe('code.execute');
      expect(JSON.parse(call.function.arguments)).toEqual(expect.any(Object));
      const sessionId = response.headers.get('x-soma-session-id') ?? '';
      const messages = await ranServerSide(sessionId, call);
      expect(choice?.message.content).toBe(messages[3]?.content);
      expect(await allowanceOf(sessionId)).toEqual({ tools: ['code.execute'], choice: 'required' });
    });

    it('streamed: the call as delta.tool_calls, then the answer, one stop chunk, [DONE]', async () => {
      const { data: stream, response } = await client.chat.completions
        .create({
          model: coder,
          messages: [{ role: 'user', content: ask }],
          tools: offered,
          tool_choice: { type: 'function', function: { name: 'code.execute' } },
          stream: true,
        })
        .withResponse();
      const chunks = [];
      for await (const chunk of stream) chunks.push(chunk);
      const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
      expect(deltas).toHaveLength(1);
      const [delta] = deltas;
      expect(delta?.index).toBe(0);
      expect(delta?.function?.name).toBe('code.execute');
      const callAt = chunks.findIndex((c) => (c.choices[0]?.delta.tool_calls ?? []).length > 0);
      const stops = chunks.filter((c) => c.choices[0]?.finish_reason === 'stop');
      expect(stops).toHaveLength(1);
      expect(chunks.indexOf(stops[0] as (typeof chunks)[number])).toBeGreaterThan(callAt);
      const messages = await ranServerSide(response.headers.get('x-soma-session-id') ?? '', {
        id: delta?.id ?? '',
        function: { name: delta?.function?.name ?? '' },
      });
      const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
      expect(messages[3]?.content).toBe(text);
    });

    it("tool_choice none: the turn runs without its profile's tools, though the profile requires a call", async () => {
      const requiring = await profileOf('required');
      const { data: completion, response } = await client.chat.completions
        .create({
          model: requiring,
          messages: [{ role: 'user', content: ask }],
          tools: offered,
          tool_choice: 'none',
        })
        .withResponse();
      expect(completion.choices[0]?.message.tool_calls ?? []).toEqual([]);
      const sessionId = response.headers.get('x-soma-session-id') ?? '';
      const messages = await history(sessionId);
      expect(messages.map((m) => m.role)).toEqual(['user', 'assistant']);
      expect(await allowanceOf(sessionId)).toEqual({ tools: ['code.execute'], choice: 'none' });
    });
  });

  it('refuses in OpenAI error shape: unknown model 404, unsupported parameter 400, bad key 401, unknown session 404', async () => {
    const unknown = await failure(() =>
      client.chat.completions.create({
        model: `nope-${randomUUID()}`,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    );
    expect(unknown).toBeInstanceOf(NotFoundError);
    expect(unknown).toMatchObject({
      status: 404,
      code: 'model_not_found',
      param: 'model',
      type: 'invalid_request_error',
    });

    const sampling = await failure(() =>
      client.chat.completions.create({
        model,
        temperature: 0.3,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    );
    expect(sampling).toBeInstanceOf(BadRequestError);
    expect(sampling).toMatchObject({ status: 400, code: 'PARAMETER_UNSUPPORTED', param: 'temperature' });

    // Tools are our registry's, and a request only narrows its profile's: this profile has none.
    const ungranted = await failure(() =>
      client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'hi' }],
        tools: [{ type: 'function', function: { name: 'code.execute', parameters: {} } }],
      }),
    );
    expect(ungranted).toBeInstanceOf(BadRequestError);
    expect(ungranted).toMatchObject({ status: 400, code: 'PARAMETER_UNSUPPORTED', param: 'tools[0]' });
    const unknownTool = await failure(() =>
      client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'hi' }],
        tools: [{ type: 'function', function: { name: `nope.${randomUUID().slice(0, 8)}`, parameters: {} } }],
      }),
    );
    expect(unknownTool).toMatchObject({ status: 400, code: 'UNKNOWN_TOOL', param: 'tools[0]' });
    const nothingToRequire = await failure(() =>
      client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'hi' }],
        tool_choice: 'required',
      }),
    );
    expect(nothingToRequire).toMatchObject({
      status: 400,
      code: 'PARAMETER_UNSUPPORTED',
      param: 'tool_choice',
    });

    const lastNotUser = await failure(() =>
      client.chat.completions.create({
        model,
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'hello' },
        ],
      }),
    );
    expect(lastNotUser).toMatchObject({ status: 400, param: 'messages[1]' });

    const stranger = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: 'soma_not_a_key' });
    const badKey = await failure(() =>
      stranger.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(badKey).toBeInstanceOf(AuthenticationError);
    expect(badKey).toMatchObject({ status: 401, type: 'authentication_error' });
    expect(['API_KEY_INVALID', 'API_KEY_MISSING']).toContain((badKey as AuthenticationError).code);
    expect(await failure(() => stranger.models.list())).toBeInstanceOf(AuthenticationError);

    const noSession = await failure(() =>
      client.chat.completions.create(
        { model, messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'X-Soma-Session-Id': randomUUID() } },
      ),
    );
    expect(noSession).toBeInstanceOf(NotFoundError);
    expect(noSession).toMatchObject({ code: 'SESSION_NOT_FOUND' });
  });

  it('a turn that fails is an error: an error frame before [DONE] when streamed, a 502 not retried otherwise', async () => {
    // A tenant whose budget admits the post but not the turn's reservation: the worker ends it BUDGET_EXCEEDED.
    const tiny = async (): Promise<{ sdk: OpenAI; rest: ApiClient }> => {
      const tenant = await createTenant('openai-budget');
      const budget = await api.request('PUT', `/v1/tenants/${tenant.tenantId}/budget`, {
        body: { dailyTokenBudget: 50 },
      });
      expect(budget.status).toBe(200);
      return {
        sdk: new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: tenant.adminKey }),
        rest: new ApiClient(baseUrl, tenant.adminKey),
      };
    };
    const ask = {
      model,
      messages: [{ role: 'user' as const, content: 'Tell me a long story about a dragon.' }],
    };

    const streamed = await tiny();
    const stream = await streamed.sdk.chat.completions.create({ ...ask, stream: true });
    const chunks: unknown[] = [];
    const frame = await failure(async () => {
      for await (const chunk of stream) chunks.push(chunk);
    });
    expect(frame).toBeInstanceOf(APIError);
    expect(frame).toMatchObject({ code: 'BUDGET_EXCEEDED', type: 'api_error' });
    expect(chunks.length).toBeGreaterThan(0); // the role chunk came before the turn ended

    const whole = await tiny();
    const failed = await failure(() => whole.sdk.chat.completions.create(ask));
    expect(failed).toBeInstanceOf(InternalServerError);
    expect(failed).toMatchObject({ status: 502, code: 'BUDGET_EXCEEDED', type: 'api_error' });
    const sessions = await whole.rest.listAll<{ id: string }>('/v1/sessions');
    expect(sessions).toHaveLength(1);
    const sessionId = sessions[0]?.id ?? '';
    // Not retried by the SDK (x-should-retry: false): the session holds the one failed turn.
    const turns = await whole.rest.request<Page<{ status: string; errorCode: string | null }>>(
      'GET',
      `/v1/sessions/${sessionId}/turns`,
    );
    expect(turns.status).toBe(200);
    expect(turns.body.items.map((t) => [t.status, t.errorCode])).toEqual([['failed', 'BUDGET_EXCEEDED']]);

    // The budget is used up now: refused before anything is posted, and not retried either.
    const refused = await failure(() =>
      whole.sdk.chat.completions.create(ask, { headers: { 'X-Soma-Session-Id': sessionId } }),
    );
    expect(refused).toBeInstanceOf(RateLimitError);
    expect(refused).toMatchObject({ status: 429, code: 'BUDGET_EXCEEDED', type: 'rate_limit_error' });
    const after = await whole.rest.request<Page<unknown>>('GET', `/v1/sessions/${sessionId}/turns`);
    expect(after.body.items).toHaveLength(1);
  });
});
