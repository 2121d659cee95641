import { type ApiClient } from '#soma/client';
import { expect } from 'vitest';
import { sleep } from './events.js';
import { completedTurn, drainSessions, sessionWithProfile } from './sessions.js';

/** A tool call as `GET /v1/sessions/{id}/tool-calls` shows it. */
export interface ToolCall {
  toolCallId: string;
  tool: string;
  requestedBy: string;
  status: string;
  source: string | null;
  recordedFrom: string | null;
  output: unknown;
  error: { code: string; message: string } | null;
}

/** A registered MCP server as the API shows it. */
export interface McpServerView {
  id: string;
  name: string;
  transport: string;
  tools: { name: string; remoteName: string }[];
}

export interface ErrorBody {
  error: string;
  message: string;
}

export interface AuditEventView {
  id: string;
  action: string;
  actorKeyId: string | null;
  actorRole: string;
  subjectType: string;
  subjectId: string;
  reason: string;
  detail: Record<string, unknown>;
}

/** Posts a user tool call and polls the public API until it has ended. */
export async function finishedCall(
  api: ApiClient,
  sessionId: string,
  tool: string,
  args: Record<string, unknown>,
): Promise<ToolCall> {
  const posted = await api.request<{ toolCallId: string } & ErrorBody>(
    'POST',
    `/v1/sessions/${sessionId}/tool-calls`,
    { body: { tool, arguments: args } },
  );
  expect(posted.status, JSON.stringify(posted.body)).toBe(202);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const calls = await api.request<{ items: ToolCall[] }>('GET', `/v1/sessions/${sessionId}/tool-calls`);
    const call = calls.body.items.find((c) => c.toolCallId === posted.body.toolCallId);
    if (call && call.status !== 'running') return call;
    if (Date.now() > deadline) throw new Error(`tool call ${posted.body.toolCallId} did not end`);
    await sleep(200);
  }
}

/** The rule ids of the requeue item the call was sent to (waits for the requeue app to file it). */
export async function requeuedRuleIds(
  api: ApiClient,
  sessionId: string,
  toolCallId: string,
): Promise<string[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const items = await api.request<{ items: { toolCallId: string; decision: { ruleIds: string[] } }[] }>(
      'GET',
      `/v1/requeue?sessionId=${sessionId}&limit=100`,
    );
    const item = items.body.items.find((i) => i.toolCallId === toolCallId);
    if (item) return item.decision.ruleIds;
    if (Date.now() > deadline) throw new Error(`no requeue item for ${toolCallId}`);
    await sleep(200);
  }
}

/** Replays the session with recorded tool results and calls `tool` in the replay (arguments not the recorded). */
export async function replayedCall(
  api: ApiClient,
  sourceSessionId: string,
  tool: string,
  args: Record<string, unknown>,
): Promise<{ call: ToolCall; replaySessionId: string }> {
  const replay = await api.request<{ id: string }>('POST', '/v1/sessions', {
    body: { replay: { sourceSessionId, toolResults: 'recorded' } },
  });
  expect(replay.status).toBe(201);
  return { call: await finishedCall(api, replay.body.id, tool, args), replaySessionId: replay.body.id };
}

/** The tenant's audit events of one action (as the operator reads them). */
export async function auditEvents(
  operator: ApiClient,
  tenantId: string,
  action: string,
): Promise<AuditEventView[]> {
  return operator.listAll<AuditEventView>(`/v1/audit-events?tenantId=${tenantId}&action=${action}`, 100);
}

/** Runs `body` while the tenant's policy disables `tools` (the Rego rule tools.disabled_for_tenant), then clears it. */
export async function withDisabledTools(
  operator: ApiClient,
  tenantId: string,
  tools: string[],
  body: () => Promise<void>,
): Promise<void> {
  const policy = `/v1/tenants/${tenantId}/policy`;
  expect((await operator.request('PUT', policy, { body: { disabledTools: tools } })).status).toBe(200);
  try {
    await body();
  } finally {
    await operator.request('PUT', policy, { body: { disabledTools: [] } });
  }
}

/**
 * One model turn of a profile naming the echo-like `tool` with toolChoice required, on the local model; the call
 * of `tool` it made (undefined if none). A whole model turn takes minutes on two shared cores: budget 300 s.
 */
export async function modelToolCall(
  operator: ApiClient,
  tenantAdmin: ApiClient,
  profileName: string,
  tool: string,
): Promise<ToolCall | undefined> {
  const model = await sessionWithProfile(
    operator,
    { name: profileName, tools: [tool], toolChoice: 'required', maxTokens: 24 },
    tenantAdmin,
  );
  try {
    await completedTurn(tenantAdmin, model.sessionId, 'Echo the word hello.');
    const calls = await tenantAdmin.request<{ items: ToolCall[] }>(
      'GET',
      `/v1/sessions/${model.sessionId}/tool-calls`,
    );
    return calls.body.items.find((c) => c.tool === tool);
  } finally {
    await drainSessions(tenantAdmin, [model.sessionId]);
  }
}
