import { ApiClient, type Page } from '#soma/client';
import { DefaultChatTransport, readUIMessageStream, type UIMessage, type UIMessageChunk } from 'ai';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { sessionWithProfile } from '../support/sessions.js';
import { createTenant } from '../support/tenants.js';

// A shared two-core machine: a turn may wait behind other work for minutes.
const TEST_MS = 600_000;

interface Turn {
  id: string;
  status: string;
  assistantMessageId: string | null;
}

const userMessage = (text: string): UIMessage => ({
  id: randomUUID(),
  role: 'user',
  parts: [{ type: 'text', text }],
});

/** The message states the AI SDK builds from a stream, read step by step (the stream stays open between steps). */
class MessageReader {
  private readonly states: AsyncIterator<UIMessage>;
  last: UIMessage | undefined;

  constructor(stream: ReadableStream<UIMessageChunk>) {
    this.states = readUIMessageStream({ stream })[Symbol.asyncIterator]();
  }

  /** Reads until a state satisfies `done` (throws if the stream ends first). */
  async until(done: (message: UIMessage) => boolean): Promise<UIMessage> {
    for (;;) {
      const next = await this.states.next();
      if (next.done) throw new Error(`the stream ended first; last state ${JSON.stringify(this.last)}`);
      this.last = next.value;
      if (done(next.value)) return next.value;
    }
  }

  /** Reads to the end of the stream: the message as finally built. */
  async end(): Promise<UIMessage> {
    for (;;) {
      const next = await this.states.next();
      if (next.done) break;
      this.last = next.value;
    }
    if (!this.last) throw new Error('the stream built no message');
    return this.last;
  }
}

const textOf = (message: UIMessage): string[] =>
  message.parts.flatMap((part) => (part.type === 'text' ? [part.text] : []));
const toolParts = (message: UIMessage) =>
  message.parts.flatMap((part) => ('toolCallId' in part && part.type.startsWith('tool-') ? [part] : []));

describe("the AI SDK's chat transport reads the gateway's UI message stream", () => {
  const baseUrl = inject('gatewayUrl');
  const operator = new ApiClient(baseUrl, inject('adminKey'));
  let tenantId = '';
  let tenantKey = '';
  let tenant: ApiClient;
  let foreign: ApiClient;

  const transport = (key: string, body: Record<string, unknown> = {}) =>
    new DefaultChatTransport<UIMessage>({
      api: `${baseUrl}/v1/ui/chat`,
      headers: { Authorization: `Bearer ${key}` },
      body,
    });

  const send = (key: string, chatId: string, text: string, body: Record<string, unknown> = {}) =>
    transport(key, body).sendMessages({
      chatId,
      messages: [userMessage(text)],
      trigger: 'submit-message',
      messageId: undefined,
      abortSignal: undefined,
    });

  const turnsOf = async (sessionId: string): Promise<Turn[]> =>
    (await tenant.request<Page<Turn>>('GET', `/v1/sessions/${sessionId}/turns`)).body.items;

  const raw = (path: string, init: { method?: string; key?: string | null; body?: unknown } = {}) =>
    fetch(`${baseUrl}${path}`, {
      method: init.method ?? 'POST',
      headers: {
        'content-type': 'application/json',
        ...(init.key === null ? {} : { authorization: `Bearer ${init.key ?? tenantKey}` }),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });

  beforeAll(async () => {
    ({ tenantId, adminKey: tenantKey } = await createTenant('ui-chat'));
    tenant = new ApiClient(baseUrl, tenantKey);
    foreign = new ApiClient(baseUrl, (await createTenant('ui-chat-foreign')).adminKey);
    // web.search asks the session's user first: a turn that stays open until answered.
    const put = await operator.request('PUT', `/v1/tenants/${tenantId}/policy`, {
      body: { userApprovalTools: ['web.search'] },
    });
    expect(put.status).toBe(200);
  }, 60_000);

  it(
    'a reply: sendMessages streams one message (id = the turn) whose text is the stored reply; nothing left to resume after',
    async () => {
      const { sessionId } = await sessionWithProfile(operator, { name: 'ui-chat', maxTokens: 16 }, tenant);
      const message = await new MessageReader(await send(tenantKey, sessionId, 'Say hello.')).end();
      const [turn] = await turnsOf(sessionId);
      expect(turn?.status).toBe('completed');
      expect(message.id).toBe(turn?.id);
      expect(message.role).toBe('assistant');
      const messages = (
        await tenant.request<Page<{ id: string; role: string; content: string }>>(
          'GET',
          `/v1/sessions/${sessionId}/messages`,
        )
      ).body.items;
      expect(messages.map((m) => m.role)).toEqual(['user', 'assistant']);
      expect(messages[0]?.content).toBe('Say hello.');
      expect(textOf(message).join('')).toBe(messages[1]?.content);
      expect(textOf(message).join('').length).toBeGreaterThan(0);

      // On the wire: the protocol's header and frames, from start to [DONE].
      const response = await raw('/v1/ui/chat', {
        body: { id: sessionId, messages: [userMessage('Say goodbye.')], trigger: 'submit-message' },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(response.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1');
      const frames = (await response.text())
        .split('\n\n')
        .filter((frame) => frame.startsWith('data: '))
        .map((frame) => frame.slice('data: '.length));
      expect(frames.at(-1)).toBe('[DONE]');
      const types = frames.slice(0, -1).map((frame) => (JSON.parse(frame) as { type: string }).type);
      expect(types.slice(0, 2)).toEqual(['start', 'start-step']);
      expect(types.at(-1)).toMatch(/^(finish|abort)$/);

      // The turns ended: no stream to resume (the SDK's null, our 204).
      expect(await transport(tenantKey).reconnectToStream({ chatId: sessionId })).toBeNull();
      expect((await raw(`/v1/ui/chat/${sessionId}/stream`, { method: 'GET' })).status).toBe(204);
    },
    TEST_MS,
  );

  it(
    'a turn with a tool call shows a tool part with its input and its result, in the order of the turn',
    async () => {
      const { sessionId } = await sessionWithProfile(
        operator,
        { name: 'ui-coder', tools: ['code.execute'], toolChoice: 'required', maxTokens: 48 },
        tenant,
      );
      const message = await new MessageReader(
        await send(tenantKey, sessionId, 'Run a small Python program that prints the number 42.'),
      ).end();
      const [turn] = await turnsOf(sessionId);
      expect(message.id).toBe(turn?.id);
      const tools = toolParts(message);
      expect(tools.map((part) => part.type)).toEqual(['tool-code.execute']);
      expect(tools[0]?.state).toMatch(/^output-(available|error)$/);
      expect(tools[0]?.input).toHaveProperty('code');
    },
    TEST_MS,
  );

  it(
    'reconnect during an open turn rebuilds the same message id, text and tool part; ifBusy=reject meanwhile is 409',
    async () => {
      const { sessionId } = await sessionWithProfile(
        operator,
        { name: 'ui-approval', tools: ['web.search'], toolChoice: 'required', maxTokens: 16 },
        tenant,
      );
      const first = new MessageReader(
        await send(tenantKey, sessionId, 'Search the web for Kafka partitions.'),
      );
      const asked = (message: UIMessage) =>
        toolParts(message).some((part) => part.state === 'approval-requested');
      const waiting = await first.until(asked);
      const [turn] = await turnsOf(sessionId);
      expect(turn?.status).toBe('awaiting_tool');
      expect(waiting.id).toBe(turn?.id);

      const resumedStream = await transport(tenantKey).reconnectToStream({ chatId: sessionId });
      if (resumedStream === null) throw new Error('no stream to resume while the turn waits');
      const second = new MessageReader(resumedStream);
      const rebuilt = await second.until(asked);
      expect(rebuilt.id).toBe(waiting.id);
      expect(textOf(rebuilt)).toEqual(textOf(waiting));
      expect(toolParts(rebuilt).map((part) => part.toolCallId)).toEqual(
        toolParts(waiting).map((part) => part.toolCallId),
      );

      const busy = await raw('/v1/ui/chat', {
        body: {
          id: sessionId,
          messages: [userMessage('again')],
          trigger: 'submit-message',
          ifBusy: 'reject',
        },
      });
      expect(busy.status).toBe(409);
      expect(await busy.json()).toMatchObject({ error: 'TURN_IN_PROGRESS', turnId: turn?.id });

      const toolCallId = toolParts(waiting)[0]?.toolCallId ?? '';
      const answered = await tenant.request('POST', `/v1/sessions/${sessionId}/approvals/${toolCallId}`, {
        body: { decision: 'approve' },
      });
      expect(answered.status).toBe(200);
      const [ended, endedAgain] = await Promise.all([first.end(), second.end()]);
      expect(endedAgain.id).toBe(ended.id);
      expect(textOf(endedAgain)).toEqual(textOf(ended));
      expect(toolParts(ended)[0]?.state).toMatch(/^output-(available|error)$/);
      expect(toolParts(endedAgain)[0]?.state).toBe(toolParts(ended)[0]?.state);
      expect((await turnsOf(sessionId))[0]?.status).toMatch(/^(completed|failed)$/);
    },
    TEST_MS,
  );

  it(
    'a used-up budget: the turn fails with an error chunk carrying its code and [DONE]; the next POST is 429 with Retry-After',
    async () => {
      const poor = await createTenant('ui-chat-budget');
      const budget = await operator.request('PUT', `/v1/tenants/${poor.tenantId}/budget`, {
        body: { dailyTokenBudget: 50 },
      });
      expect(budget.status).toBe(200);
      const sessionId = await new ApiClient(baseUrl, poor.adminKey).createSession();
      const body = {
        id: sessionId,
        messages: [userMessage('Tell me a long story about a dragon.')],
        trigger: 'submit-message',
      };
      const first = await raw('/v1/ui/chat', { key: poor.adminKey, body });
      expect(first.status).toBe(200);
      const frames = (await first.text())
        .split('\n\n')
        .filter((frame) => frame.startsWith('data: '))
        .map((frame) => frame.slice('data: '.length));
      expect(frames.at(-1)).toBe('[DONE]');
      const chunks = frames.slice(0, -1).map((frame) => JSON.parse(frame) as Record<string, unknown>);
      expect(chunks.at(-2)).toMatchObject({
        type: 'error',
        errorText: expect.stringMatching(/^BUDGET_EXCEEDED: /) as unknown,
      });
      expect(chunks.at(-1)).toEqual({ type: 'finish', finishReason: 'error' });

      const refused = await raw('/v1/ui/chat', { key: poor.adminKey, body });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await refused.json()).toMatchObject({ error: 'BUDGET_EXCEEDED' });
    },
    TEST_MS,
  );

  it('bad path: another tenant, a missing session, malformed bodies, no key: refused with a code, nothing posted', async () => {
    const sessionId = await tenant.createSession();
    const ok = { id: sessionId, messages: [userMessage('hi')], trigger: 'submit-message' };

    // Another tenant's session is not found, through the SDK and raw; so is a missing one and its resume.
    const foreignKey = foreign.authHeaders().authorization?.replace(/^Bearer /, '') ?? '';
    await expect(send(foreignKey, sessionId, 'hi')).rejects.toThrow(/SESSION_NOT_FOUND/);
    await expect(transport(foreignKey).reconnectToStream({ chatId: sessionId })).rejects.toThrow(
      /SESSION_NOT_FOUND/,
    );
    for (const [path, method, key] of [
      ['/v1/ui/chat', 'POST', foreignKey],
      [`/v1/ui/chat/${sessionId}/stream`, 'GET', foreignKey],
      [`/v1/ui/chat/${randomUUID()}/stream`, 'GET', tenantKey],
      ['/v1/ui/chat/not-a-uuid/stream', 'GET', tenantKey],
    ] as const) {
      const response = await raw(path, { method, key, body: method === 'POST' ? ok : undefined });
      expect(response.status, path).toBe(404);
      expect(await response.json()).toMatchObject({ error: 'SESSION_NOT_FOUND' });
    }
    const missing = await raw('/v1/ui/chat', { body: { ...ok, id: randomUUID() } });
    expect(missing.status).toBe(404);

    for (const body of [
      { ...ok, id: 'not-a-uuid' },
      { ...ok, trigger: 'regenerate-message', messageId: 'm1' },
      { ...ok, messages: [] },
      { ...ok, messages: [{ id: 'a', role: 'assistant', parts: [{ type: 'text', text: 'x' }] }] },
      { ...ok, messages: [{ id: 'u', role: 'user', parts: [{ type: 'text', text: '   ' }] }] },
      { ...ok, messages: [{ id: 'u', role: 'user', parts: 'hi' }] },
      { ...ok, ifBusy: 'sometimes' },
    ]) {
      const response = await raw('/v1/ui/chat', { body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'VALIDATION_FAILED' });
    }
    const malformed = await fetch(`${baseUrl}/v1/ui/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenantKey}` },
      body: '{"id":',
    });
    expect(malformed.status).toBe(400);
    expect((await raw('/v1/ui/chat', { key: null, body: ok })).status).toBe(401);
    expect((await raw(`/v1/ui/chat/${sessionId}/stream`, { method: 'GET', key: null })).status).toBe(401);

    // None of these posted anything.
    expect(await turnsOf(sessionId)).toEqual([]);
  });
});
