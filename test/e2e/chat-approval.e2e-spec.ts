import { ApiClient, SseStream, type SseEvent, type Page } from '#soma/client';
import { Topics, type Envelope, type ToolCallFinished, type ToolCallRequested } from '#soma/contracts';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApp } from '../support/apps.js';
import { jsonOf, runCli } from '../support/cli.js';
import { withDb } from '../support/db.js';
import { ofTurn, payload, TERMINAL, terminalOf } from '../support/events.js';
import { KafkaProbe } from '../support/kafka-probe.js';
import { sessionWithProfile } from '../support/sessions.js';
import { SessionSocket } from '../support/socket-client.js';
import { createTenant } from '../support/tenants.js';

// A shared two-core machine: a turn may wait behind other work for minutes.
const TEST_MS = 600_000;
const WAIT_MS = 300_000;

interface Approval {
  id: string;
  toolCallId: string;
  turnId: string;
  tool: string;
  arguments: Record<string, unknown>;
  reasons: string[];
  status: string;
  answeredBy: string | null;
}

interface Asked {
  turnId: string;
  toolCallId: string;
  tool: string;
  arguments: Record<string, unknown>;
  reasons: string[];
}

/**
 * Approval in the chat against the real stack: a tenant whose policy asks the session's user before each
 * web.search (its policy settings' userApprovalTools), a model profile that must call it, and the user answering.
 */
describe("a tool call that the session's own user approves in the chat", () => {
  const baseUrl = inject('gatewayUrl');
  const operator = new ApiClient(baseUrl, inject('adminKey'));
  const probe = new KafkaProbe();
  let tenantId = '';
  let tenantAdmin: ApiClient;
  let userKey = '';
  let userKeyId = '';
  let user: ApiClient;
  let otherUser: ApiClient;
  let foreignAdmin: ApiClient;

  const newKey = async (name: string) => {
    const created = await tenantAdmin.request<{ key: string; id: string }>('POST', '/v1/admin/api-keys', {
      body: { name: `${name}-${randomUUID().slice(0, 6)}`, role: 'user' },
    });
    expect(created.status).toBe(201);
    return created.body;
  };

  const setPolicy = async (tenant: string, settings: Record<string, unknown>) => {
    const put = await operator.request('PUT', `/v1/tenants/${tenant}/policy`, { body: settings });
    expect(put.status).toBe(200);
  };

  /** A session of the user's on a profile that must call `tool`, and its stream. */
  const chat = async (tool: string, owner: ApiClient = user, key = userKey) => {
    const { sessionId } = await sessionWithProfile(
      operator,
      { name: `approve-${tool}`, tools: [tool], toolChoice: 'required', maxTokens: 16 },
      owner,
    );
    const stream = new SseStream(`${baseUrl}/v1/sessions/${sessionId}/events`, {
      authorization: `Bearer ${key}`,
    });
    return { sessionId, stream };
  };

  const askedIn = async (stream: SseStream, turnId: string): Promise<Asked> => {
    const events = await stream.waitFor(
      (all) => all.some((e) => e.event === 'tool.approval_requested' && ofTurn(turnId)(e)),
      WAIT_MS,
    );
    return payload<Asked>(
      events.find((e) => e.event === 'tool.approval_requested' && ofTurn(turnId)(e)) as SseEvent,
    );
  };

  const answer = (api: ApiClient, sessionId: string, toolCallId: string, body: Record<string, unknown>) =>
    api.request<{ status: string; error: string; grantId: string | null; fields?: { field: string }[] }>(
      'POST',
      `/v1/sessions/${sessionId}/approvals/${toolCallId}`,
      { body },
    );

  const resultsOf = (toolCallId: string) =>
    probe.received
      .filter(
        (r) =>
          r.topic === Topics.toolResults &&
          r.envelope.type === 'tool.call.finished' &&
          (r.envelope as Envelope<string, ToolCallFinished>).payload.toolCallId === toolCallId,
      )
      .map((r) => r.envelope as Envelope<string, ToolCallFinished>);

  const requestsOf = (toolCallId: string) =>
    probe.received
      .filter(
        (r) =>
          r.topic === Topics.toolRequests &&
          (r.envelope as Envelope<string, ToolCallRequested>).payload.toolCallId === toolCallId,
      )
      .map((r) => r.envelope as Envelope<string, ToolCallRequested>);

  /** The turn's events, once it ended: exactly one terminal, and it is the last of the turn. */
  const endedTurn = async (stream: SseStream, turnId: string) => {
    await stream.waitFor(terminalOf(turnId), WAIT_MS);
    const own = stream.events.filter(ofTurn(turnId));
    expect(own.filter((e) => TERMINAL.has(e.event)).map((e) => e.event)).toEqual(['turn.completed']);
    expect(TERMINAL.has(own.at(-1)?.event ?? '')).toBe(true);
    return own;
  };

  beforeAll(async () => {
    await probe.start([Topics.toolRequests, Topics.toolResults]);
    const tenant = await createTenant('chat-approval');
    tenantId = tenant.tenantId;
    tenantAdmin = new ApiClient(baseUrl, tenant.adminKey);
    const owner = await newKey('approval-owner');
    userKey = owner.key;
    userKeyId = owner.id;
    user = new ApiClient(baseUrl, userKey);
    otherUser = new ApiClient(baseUrl, (await newKey('approval-other')).key);
    foreignAdmin = new ApiClient(baseUrl, (await createTenant('chat-approval-foreign')).adminKey);
    // web.search asks the session's user; code.execute too, but it is high-risk: an admin's approval wins.
    await setPolicy(tenantId, { userApprovalTools: ['web.search', 'code.execute'] });
  }, 60_000);

  afterAll(async () => {
    await probe.stop();
  });

  it(
    'approve: the turn streams the ask, waits, then continues with the result; the call runs once though approved twice at once and again later',
    async () => {
      const { sessionId, stream } = await chat('web.search');
      const { turnId } = await user.postMessage(sessionId, 'Search the web for Kafka partitions.');
      const asked = await askedIn(stream, turnId);
      expect(asked).toMatchObject({ turnId, tool: 'web.search' });
      expect(asked.reasons.length).toBeGreaterThan(0);
      expect(asked.arguments).toHaveProperty('query');

      // Listed for its owner (and the tenant's admin), unknown to anyone else.
      const listed = await user.request<Page<Approval>>('GET', `/v1/sessions/${sessionId}/approvals`);
      expect(listed.status).toBe(200);
      expect(listed.body.items).toEqual([
        expect.objectContaining({
          toolCallId: asked.toolCallId,
          turnId,
          status: 'pending',
          tool: 'web.search',
        }),
      ]);
      expect((await tenantAdmin.request('GET', `/v1/sessions/${sessionId}/approvals`)).status).toBe(200);
      for (const stranger of [otherUser, foreignAdmin]) {
        expect((await stranger.request('GET', `/v1/sessions/${sessionId}/approvals`)).status).toBe(404);
        const refused = await answer(stranger, sessionId, asked.toolCallId, { decision: 'approve' });
        expect(refused.status).toBe(404);
        expect(refused.body.error).toBe('APPROVAL_NOT_FOUND');
      }
      const turns = await user.request<Page<{ id: string; status: string }>>(
        'GET',
        `/v1/sessions/${sessionId}/turns`,
      );
      expect(turns.body.items.find((t) => t.id === turnId)?.status).toBe('awaiting_tool');

      // Two answers at once: exactly one wins, the other gets 409 with the recorded answer.
      const both = await Promise.all([
        answer(user, sessionId, asked.toolCallId, { decision: 'approve' }),
        answer(user, sessionId, asked.toolCallId, { decision: 'approve' }),
      ]);
      expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
      const won = both.find((r) => r.status === 200);
      const lost = both.find((r) => r.status === 409);
      expect(won?.body.status).toBe('approved');
      expect(lost?.body).toMatchObject({ error: 'APPROVAL_ALREADY_ANSWERED', status: 'approved' });

      const own = await endedTurn(stream, turnId);
      const types = own.map((e) => e.event).filter((t) => t !== 'token');
      expect(types).toEqual([
        'turn.started',
        'tool.requested',
        'tool.approval_requested',
        'tool.completed',
        'turn.completed',
      ]);
      const completed = payload<{ toolCallId: string; status: string }>(
        own.find((e) => e.event === 'tool.completed') as SseEvent,
      );
      expect(completed).toMatchObject({ toolCallId: asked.toolCallId, status: 'ok' });

      // Later: still 409, and still one run.
      const later = await answer(user, sessionId, asked.toolCallId, { decision: 'approve' });
      expect(later.status).toBe(409);
      expect(later.body.error).toBe('APPROVAL_ALREADY_ANSWERED');
      expect(requestsOf(asked.toolCallId).filter((e) => e.payload.grant !== undefined)).toHaveLength(1);
      const finished = resultsOf(asked.toolCallId);
      expect(finished.map((e) => e.payload.status)).toEqual(['ok']);
      await withDb(async (db) => {
        const calls = await db.query<{ status: string; used: number; grants: number }>(
          `SELECT c.status,
                (SELECT count(*)::int FROM override_grants g WHERE g.tool_call_id = c.tool_call_id AND g.used_at IS NOT NULL) AS used,
                (SELECT count(*)::int FROM override_grants g WHERE g.tool_call_id = c.tool_call_id) AS grants
         FROM tool_calls c WHERE c.tool_call_id = $1`,
          [asked.toolCallId],
        );
        expect(calls.rows).toEqual([{ status: 'ok', used: 1, grants: 1 }]);
        const approval = await db.query<{ id: string; status: string; answered_by: string }>(
          `SELECT id, status, answered_by FROM tool_approvals WHERE tool_call_id = $1`,
          [asked.toolCallId],
        );
        expect(approval.rows).toEqual([
          expect.objectContaining({ status: 'approved', answered_by: userKeyId }),
        ]);
        const audit = await db.query<{ action: string; actor_key_id: string }>(
          `SELECT action, actor_key_id FROM audit_events WHERE subject_type = 'tool_approval' AND subject_id = $1`,
          [approval.rows[0]?.id],
        );
        expect(audit.rows).toEqual([{ action: 'approval.approved', actor_key_id: userKeyId }]);
        const decisions = await db.query<{ outcome: string }>(
          `SELECT outcome FROM policy_decisions WHERE tool_call_id = $1 ORDER BY decided_at`,
          [asked.toolCallId],
        );
        expect(decisions.rows.map((r) => r.outcome)).toEqual(['require_approval', 'override']);
      });
      stream.close();
    },
    TEST_MS,
  );

  it(
    'edit: arguments that break the schema are refused naming the field (nothing answered); valid ones run instead',
    async () => {
      const { sessionId, stream } = await chat('web.search');
      const { turnId } = await user.postMessage(sessionId, 'Search the web for Kafka partitions.');
      const asked = await askedIn(stream, turnId);

      const bad = await answer(user, sessionId, asked.toolCallId, {
        decision: 'edit',
        arguments: { query: 42 },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error).toBe('APPROVAL_ANSWER_INVALID');
      expect(bad.body.fields?.map((f) => f.field)).toContain('arguments.query');
      const noArgs = await answer(user, sessionId, asked.toolCallId, { decision: 'edit' });
      expect(noArgs.status).toBe(400);
      expect(noArgs.body.fields?.map((f) => f.field)).toEqual(['arguments']);
      const still = await user.request<Page<Approval>>('GET', `/v1/sessions/${sessionId}/approvals`);
      expect(still.body.items.map((a) => a.status)).toEqual(['pending']);

      const edited = { query: `edited ${randomUUID().slice(0, 8)}`, limit: 2 };
      const ok = await answer(user, sessionId, asked.toolCallId, { decision: 'edit', arguments: edited });
      expect(ok.status).toBe(200);
      expect(ok.body.status).toBe('edited');

      const own = await endedTurn(stream, turnId);
      const completed = payload<{ toolCallId: string; status: string; output: { query: string } }>(
        own.find((e) => e.event === 'tool.completed') as SseEvent,
      );
      expect(completed).toMatchObject({ toolCallId: asked.toolCallId, status: 'ok' });
      expect(completed.output.query).toBe(edited.query);
      const granted = requestsOf(asked.toolCallId).filter((e) => e.payload.grant !== undefined);
      expect(granted.map((e) => e.payload.arguments)).toEqual([edited]);
      await withDb(async (db) => {
        const { rows } = await db.query<{ arguments: unknown; status: string }>(
          `SELECT arguments, status FROM tool_calls WHERE tool_call_id = $1`,
          [asked.toolCallId],
        );
        expect(rows).toEqual([{ arguments: edited, status: 'ok' }]);
        const approval = await db.query<{ status: string; answer_arguments: unknown }>(
          `SELECT status, answer_arguments FROM tool_approvals WHERE tool_call_id = $1`,
          [asked.toolCallId],
        );
        expect(approval.rows).toEqual([{ status: 'edited', answer_arguments: edited }]);
      });
      stream.close();
    },
    TEST_MS,
  );

  it(
    'reject: the tool never runs, the model reads the rejection as the result, and the turn ends once',
    async () => {
      const { sessionId, stream } = await chat('web.search');
      const { turnId } = await user.postMessage(sessionId, 'Search the web for Kafka partitions.');
      const asked = await askedIn(stream, turnId);
      const message = `not now, thanks ${randomUUID().slice(0, 6)}`;
      // Through the CLI, as the session's user: list what waits, then reject it with a message.
      const asUser = { SOMA_API_KEY: userKey, SOMA_URL: baseUrl };
      const listed = await runCli(['approvals', 'list', sessionId, '--json'], asUser);
      expect(listed.code).toBe(0);
      expect(jsonOf<{ items: Approval[] }>(listed).items.map((a) => [a.toolCallId, a.status])).toEqual([
        [asked.toolCallId, 'pending'],
      ]);
      const noMessage = await runCli(['approvals', 'reject', sessionId, asked.toolCallId], asUser);
      expect(noMessage.code).toBe(2);
      const rejected = await runCli(
        ['approvals', 'reject', sessionId, asked.toolCallId, '--message', message, '--json'],
        asUser,
      );
      expect(rejected.code).toBe(0);
      expect(jsonOf<{ status: string; grantId: string | null }>(rejected)).toMatchObject({
        status: 'rejected',
        grantId: null,
      });

      const own = await endedTurn(stream, turnId);
      const completed = payload<{ status: string; output: { message: string } }>(
        own.find((e) => e.event === 'tool.completed') as SseEvent,
      );
      expect(completed).toMatchObject({ status: 'rejected', output: { message } });
      expect(requestsOf(asked.toolCallId).filter((e) => e.payload.grant !== undefined)).toHaveLength(0);
      const messages = await user.messages(sessionId);
      const toolMessage = messages.find((m) => m.role === 'tool');
      expect(JSON.parse(toolMessage?.content ?? '{}')).toMatchObject({
        status: 'rejected',
        output: { message },
      });
      expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
      const again = await answer(user, sessionId, asked.toolCallId, { decision: 'approve' });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ error: 'APPROVAL_ALREADY_ANSWERED', status: 'rejected' });
      const twice = await runCli(['approvals', 'approve', sessionId, asked.toolCallId], asUser);
      expect(twice.code).toBe(1);
      expect(twice.stderr).toContain('APPROVAL_ALREADY_ANSWERED');
      await withDb(async (db) => {
        const { rows } = await db.query<{ status: string }>(
          `SELECT status FROM tool_calls WHERE tool_call_id = $1`,
          [asked.toolCallId],
        );
        expect(rows).toEqual([{ status: 'rejected' }]);
      });
      stream.close();
    },
    TEST_MS,
  );

  it(
    'Socket.IO: the ask streams to the socket and an `approval` message answers it (acknowledged; a second is refused)',
    async () => {
      const { sessionId, stream } = await chat('web.search');
      stream.close();
      const socket = new SessionSocket(baseUrl, { token: userKey });
      try {
        expect((await socket.join(sessionId)).ok).toBe(true);
        const { turnId } = await user.postMessage(sessionId, 'Search the web for Kafka partitions.');
        const askFrame = () =>
          socket
            .eventsOf(sessionId)
            .find((f) => f.event === 'tool.approval_requested' && f.data.turnId === turnId);
        await socket.waitFor(() => askFrame() !== undefined, WAIT_MS, 'tool.approval_requested');
        const toolCallId = String(askFrame()?.data.toolCallId);
        const asked = { toolCallId };
        const bad = await socket.emitRaw('approval', {
          sessionId,
          toolCallId: asked.toolCallId,
          decision: 'maybe',
        });
        expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
        const stranger = new SessionSocket(baseUrl, { token: (await newKey('approval-socket')).key });
        try {
          const refused = await stranger.emitRaw('approval', {
            sessionId,
            toolCallId: asked.toolCallId,
            decision: 'approve',
          });
          expect(refused).toMatchObject({ ok: false, error: { code: 'APPROVAL_NOT_FOUND' } });
        } finally {
          stranger.close();
        }
        const ack = await socket.emitRaw('approval', {
          sessionId,
          toolCallId: asked.toolCallId,
          decision: 'approve',
        });
        expect(ack).toEqual({ ok: true, toolCallId: asked.toolCallId, status: 'approved' });
        const twice = await socket.emitRaw('approval', {
          sessionId,
          toolCallId: asked.toolCallId,
          decision: 'approve',
        });
        expect(twice).toMatchObject({ ok: false, error: { code: 'APPROVAL_ALREADY_ANSWERED' } });
        const own = () => socket.eventsOf(sessionId).filter((f) => f.data.turnId === turnId);
        await socket.waitFor(() => own().some((f) => TERMINAL.has(f.event)), WAIT_MS, 'the terminal event');
        expect(
          own()
            .filter((f) => TERMINAL.has(f.event))
            .map((f) => f.event),
        ).toEqual(['turn.completed']);
        expect(own().find((f) => f.event === 'tool.completed')?.data).toMatchObject({
          toolCallId: asked.toolCallId,
          status: 'ok',
        });
        expect(resultsOf(asked.toolCallId).map((e) => e.payload.status)).toEqual(['ok']);
      } finally {
        socket.close();
      }
    },
    TEST_MS,
  );

  it(
    'an admin-approver rule still goes to the requeue, not to the chat',
    async () => {
      const { sessionId, stream } = await chat('code.execute');
      const { turnId } = await user.postMessage(sessionId, 'Run a small Python program that prints 42.');
      const own = await endedTurn(stream, turnId);
      stream.close();
      const types = own.map((e) => e.event);
      expect(types).toContain('tool.blocked');
      expect(types).not.toContain('tool.approval_requested');
      const toolCallId = payload<{ toolCallId: string }>(
        own.find((e) => e.event === 'tool.requested') as SseEvent,
      ).toolCallId;
      const blocked = await probe.waitFor<ToolCallFinished>(
        (topic, e) =>
          topic === Topics.toolResults &&
          e.payload.toolCallId === toolCallId &&
          e.payload.status === 'blocked',
        10_000,
      );
      expect(blocked[0]?.payload.decision).toMatchObject({ outcome: 'require_approval', approver: 'admin' });
      expect(blocked[0]?.payload.decision?.ruleIds).toContain('risk.high_needs_approval');
      let item: { toolCallId: string; status: string } | undefined;
      const deadline = Date.now() + 30_000;
      while (!item && Date.now() < deadline) {
        const page = await tenantAdmin.request<{ items: { toolCallId: string; status: string }[] }>(
          'GET',
          `/v1/requeue?sessionId=${sessionId}&status=pending`,
        );
        item = page.body.items.find((i) => i.toolCallId === toolCallId);
        if (!item) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(item?.status).toBe('pending');
      const approvals = await user.request<Page<Approval>>('GET', `/v1/sessions/${sessionId}/approvals`);
      expect(approvals.body.items).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'a pending approval survives a restart of the worker and the gateway; approved after it, the turn goes on',
    async () => {
      const { sessionId, stream } = await chat('web.search');
      const { turnId } = await user.postMessage(sessionId, 'Search the web for Kafka partitions.');
      const asked = await askedIn(stream, turnId);
      const lastSeq = Number(stream.events.at(-1)?.id);
      stream.close();

      const pids = inject('appPids');
      await Promise.all([stopPid(pids['conversation-worker']), stopPid(pids.gateway)]);
      await startApp('conversation-worker', { detached: true, logSuffix: '-approval-restart' });
      await startApp('gateway', { detached: true, logSuffix: '-approval-restart' });

      const listed = await user.request<Page<Approval>>('GET', `/v1/sessions/${sessionId}/approvals`);
      expect(listed.body.items).toEqual([
        expect.objectContaining({ toolCallId: asked.toolCallId, status: 'pending' }),
      ]);
      const resumed = new SseStream(`${baseUrl}/v1/sessions/${sessionId}/events`, {
        authorization: `Bearer ${userKey}`,
        'last-event-id': String(lastSeq),
      });
      const ok = await answer(user, sessionId, asked.toolCallId, { decision: 'approve' });
      expect(ok.status).toBe(200);
      await resumed.waitFor(terminalOf(turnId), WAIT_MS);
      resumed.close();
      const after = resumed.events.filter(ofTurn(turnId));
      expect(after.filter((e) => TERMINAL.has(e.event)).map((e) => e.event)).toEqual(['turn.completed']);
      expect(after.find((e) => e.event === 'tool.completed')).toBeDefined();
      const seqs = resumed.events.map((e) => Number(e.id));
      expect(seqs).toEqual(seqs.map((_, i) => lastSeq + 1 + i));
      expect(resultsOf(asked.toolCallId).map((e) => e.payload.status)).toEqual(['ok']);
    },
    TEST_MS,
  );
});

/** SIGTERM, then wait until the process is gone (its graceful shutdown has run). */
async function stopPid(pid: number): Promise<void> {
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  process.kill(pid, 'SIGKILL');
}
