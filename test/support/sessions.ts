import { SseStream, type ApiClient } from '#soma/client';
import { ofTurn, payload, TERMINAL, terminalOf } from './events.js';
import { randomUUID } from 'node:crypto';

/** A model profile of the test's own (on the local model) and a session that uses it. */
export async function sessionWithProfile(
  admin: ApiClient,
  profile: Record<string, unknown> & { name: string },
  user: ApiClient = admin,
): Promise<{ sessionId: string; profileId: string; profileName: string }> {
  const name = `${profile.name}-${randomUUID().slice(0, 8)}`;
  const created = await admin.request<{ id: string }>('POST', '/v1/model-profiles', {
    body: { provider: 'local', model: 'SmolLM2-135M-Instruct-Q4_1', ...profile, name },
  });
  if (created.status !== 201) throw new Error(`profile: ${created.status} ${JSON.stringify(created.body)}`);
  const session = await user.request<{ id: string }>('POST', '/v1/sessions', {
    body: { modelProfile: name },
  });
  if (session.status !== 201) throw new Error(`session: ${session.status} ${JSON.stringify(session.body)}`);
  return { sessionId: session.body.id, profileId: created.body.id, profileName: name };
}

/**
 * Posts a message and waits for its turn to end. On this shared two-core machine a worker can stall past its
 * lease right after start (the watchdog then ends the turn with WORKER_LOST, as designed); such a turn is
 * posted again (up to twice), so tests that need a recorded, completed turn get one.
 */
export async function completedTurn(
  api: ApiClient,
  sessionId: string,
  content: string,
  timeoutMs = 180_000,
  extra: Record<string, unknown> = {},
): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const stream = new SseStream(`${api.baseUrl}/v1/sessions/${sessionId}/events`, api.authHeaders());
    try {
      const { turnId } = await api.postMessage(sessionId, content, extra);
      const events = await stream.waitFor(terminalOf(turnId), timeoutMs);
      const end = events.find((e) => TERMINAL.has(e.event) && ofTurn(turnId)(e));
      const code = end ? payload<{ code?: string }>(end).code : undefined;
      if (end?.event === 'turn.completed' || attempt === 3 || code !== 'WORKER_LOST') return turnId;
    } finally {
      stream.close();
    }
  }
}

/**
 * A session whose tool-result turns are short: tests that publish many tool calls start one model turn per
 * result, and a long backlog of them would hold the worker's partitions for the files that follow.
 */
export async function toolTestSession(admin: ApiClient): Promise<string> {
  return (await sessionWithProfile(admin, { name: 'tool-turns', maxTokens: 4 })).sessionId;
}

/** Waits until no turn of these sessions is queued or running: a test file leaves no work behind it. */
export async function drainSessions(
  api: ApiClient,
  sessionIds: readonly string[],
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open: string[] = [];
    for (const id of sessionIds) {
      const turns = await api.listAll<{ id: string; status: string }>(`/v1/sessions/${id}/turns`, 50);
      open.push(...turns.filter((t) => ['queued', 'running'].includes(t.status)).map((t) => t.id));
    }
    if (open.length === 0) return;
    if (Date.now() > deadline) throw new Error(`turns still open after ${timeoutMs} ms: ${open.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
