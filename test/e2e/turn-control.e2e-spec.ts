import { ApiClient, SseStream, type SseEvent, type Page } from '#soma/client';
import { Topics, type ToolCallFinished } from '#soma/contracts';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { defaultTenantId, withDb } from '../support/db.js';
import { ofTurn, payload, sleep, TERMINAL, terminalOf } from '../support/events.js';
import { runCli } from '../support/cli.js';
import { KafkaProbe } from '../support/kafka-probe.js';
import { runWorkFile, sandboxRuns } from '../support/sandbox-runs.js';
import { drainSessions, sessionWithProfile } from '../support/sessions.js';
import { SessionSocket } from '../support/socket-client.js';
import { createTenant } from '../support/tenants.js';
import { toolRequest } from '../support/tool-requests.js';

interface Cancelled {
  turnId: string;
  status: string;
  cancelRequested: boolean;
  cancelledBy: { role: string; keyId: string | null; via: string } | null;
}

interface Turn {
  id: string;
  status: string;
  cancelledBy: Cancelled['cancelledBy'];
  usage: { promptTokens: number; completionTokens: number; totalTokens: number } | null;
  assistantMessageId: string | null;
}

interface Message {
  id: string;
  role: string;
  content: string;
  turnId: string | null;
  status: string;
}

// A long answer: the turn is still streaming when the test cancels it.
const LONG = { name: 'long-replies', maxTokens: 400 };
const LONG_PROMPT = 'Tell me a very long story about a lighthouse keeper, with many chapters.';

const tokensOf = (turnId: string) => (events: SseEvent[]) =>
  events.filter((e) => e.event === 'token' && ofTurn(turnId)(e));

describe('turn control: cancel, ifBusy, cancel-on-disconnect', () => {
  const baseUrl = inject('gatewayUrl');
  const api = new ApiClient(baseUrl, inject('adminKey'));
  const sessions: string[] = [];

  const longSession = async (): Promise<{ sessionId: string; stream: SseStream }> => {
    const { sessionId } = await sessionWithProfile(api, LONG);
    sessions.push(sessionId);
    return {
      sessionId,
      stream: new SseStream(`${baseUrl}/v1/sessions/${sessionId}/events`, api.authHeaders()),
    };
  };
  const cancel = (sessionId: string, turnId: string, client: ApiClient = api) =>
    client.request<Cancelled>('POST', `/v1/sessions/${sessionId}/turns/${turnId}/cancel`);
  const turnsOf = async (sessionId: string) =>
    (await api.request<Page<Turn>>('GET', `/v1/sessions/${sessionId}/turns`)).body.items;

  afterAll(async () => {
    await drainSessions(api, sessions);
  });

  it('cancel mid-stream: one turn.cancelled within 2 s, no token after it, the partial reply kept as streamed and charged', async () => {
    const { sessionId, stream } = await longSession();
    const { turnId } = await api.postMessage(sessionId, LONG_PROMPT);
    await stream.waitFor((events) => tokensOf(turnId)(events).length >= 3, 120_000);

    const asked = Date.now();
    const answer = await cancel(sessionId, turnId);
    await stream.waitFor(terminalOf(turnId), 10_000);
    const cancelledAt = Date.now();
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ turnId, status: 'cancelled', cancelRequested: true });
    expect(answer.body.cancelledBy).toMatchObject({ role: 'admin', via: 'api' });
    expect(cancelledAt - asked).toBeLessThanOrEqual(2000);

    // Nothing of the turn follows its terminal event (generation stopped; a late write would be refused).
    await sleep(1500);
    stream.close();
    const ofIt = stream.events.filter(ofTurn(turnId));
    const terminals = ofIt.filter((e) => TERMINAL.has(e.event));
    expect(terminals.map((e) => e.event)).toEqual(['turn.cancelled']);
    const end = terminals[0] as SseEvent;
    expect(ofIt.at(-1)).toBe(end);
    const seqs = stream.events.map((e) => Number(e.id));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));

    const streamed = tokensOf(turnId)(stream.events)
      .map((e) => payload<{ delta: string }>(e).delta)
      .join('');
    const ended = payload<{
      messageId: string | null;
      cancelledBy: { via: string };
      usage: { completionTokens: number; totalTokens: number };
    }>(end);
    expect(ended.cancelledBy.via).toBe('api');
    expect(ended.usage.completionTokens).toBeGreaterThan(0);

    const messages = (await api.request<Page<Message>>('GET', `/v1/sessions/${sessionId}/messages`)).body
      .items;
    const reply = messages.find((m) => m.turnId === turnId && m.role === 'assistant');
    expect(reply).toMatchObject({ id: ended.messageId, status: 'cancelled', content: streamed });

    const [turn] = await turnsOf(sessionId);
    expect(turn).toMatchObject({ id: turnId, status: 'cancelled', assistantMessageId: ended.messageId });
    expect(turn?.usage?.completionTokens).toBe(ended.usage.completionTokens);
    // Charged: the usage ledger has the tokens it generated.
    const ledger = await withDb(async (db) => {
      const { rows } = await db.query<{ completion: number }>(
        'SELECT completion_tokens AS completion FROM usage_ledger WHERE turn_id = $1',
        [turnId],
      );
      return rows;
    });
    expect(ledger).toEqual([{ completion: ended.usage.completionTokens }]);

    // Idempotent: a second cancel answers with the state, the turn ends once.
    const again = await cancel(sessionId, turnId);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ turnId, status: 'cancelled', cancelRequested: true });
  });

  it('cancel right after turn.started (before or at the first token) ends the turn cancelled, never failed', async () => {
    const { sessionId, stream } = await longSession();
    const { turnId } = await api.postMessage(sessionId, LONG_PROMPT);
    await stream.waitFor(
      (events) => events.some((e) => e.event === 'turn.started' && ofTurn(turnId)(e)),
      120_000,
    );
    const answer = await cancel(sessionId, turnId);
    expect(answer.body).toMatchObject({ turnId, status: 'cancelled' });
    const events = await stream.waitFor(terminalOf(turnId), 10_000);
    stream.close();
    const end = events.find((e) => TERMINAL.has(e.event) && ofTurn(turnId)(e)) as SseEvent;
    expect(end.event).toBe('turn.cancelled');
    const streamed = tokensOf(turnId)(events)
      .map((e) => payload<{ delta: string }>(e).delta)
      .join('');
    const messages = (await api.request<Page<Message>>('GET', `/v1/sessions/${sessionId}/messages`)).body
      .items;
    const reply = messages.find((m) => m.turnId === turnId && m.role === 'assistant');
    if (streamed === '') expect(reply).toBeUndefined();
    else expect(reply).toMatchObject({ status: 'cancelled', content: streamed });
  });

  it('a turn that ended answers a cancel with its state; a queued turn cancelled never starts', async () => {
    const { sessionId, stream } = await longSession();
    const first = await api.postMessage(sessionId, LONG_PROMPT);
    const second = await api.postMessage(sessionId, 'And then?');
    await stream.waitFor((events) => tokensOf(first.turnId)(events).length >= 1, 120_000);

    const queued = await cancel(sessionId, second.turnId);
    expect(queued.status).toBe(200);
    expect(queued.body).toMatchObject({ turnId: second.turnId, status: 'cancelled', cancelRequested: true });
    expect((await cancel(sessionId, first.turnId)).body.status).toBe('cancelled');
    await stream.waitFor(terminalOf(second.turnId), 10_000);
    await sleep(1000);
    stream.close();
    expect(stream.events.filter(ofTurn(second.turnId)).map((e) => e.event)).toEqual(['turn.cancelled']);

    // A completed turn is not cancelled: the answer is its state.
    const { sessionId: short } = await sessionWithProfile(api, { name: 'short', maxTokens: 4 });
    sessions.push(short);
    const done = new SseStream(`${baseUrl}/v1/sessions/${short}/events`, api.authHeaders());
    const { turnId } = await api.postMessage(short, 'Hi');
    await done.waitFor(terminalOf(turnId), 120_000);
    done.close();
    const late = await cancel(short, turnId);
    expect(late.status).toBe(200);
    expect(late.body).toMatchObject({ turnId, cancelRequested: false, cancelledBy: null });
    expect(['completed', 'failed']).toContain(late.body.status);
  });

  it('ifBusy: reject answers 409 with the open turn, interrupt cancels it and runs the new message, enqueue waits', async () => {
    const { sessionId, stream } = await longSession();
    const running = await api.postMessage(sessionId, LONG_PROMPT);
    await stream.waitFor((events) => tokensOf(running.turnId)(events).length >= 1, 120_000);

    const rejected = await api.request<{ error: string; turnId: string }>(
      'POST',
      `/v1/sessions/${sessionId}/messages`,
      { body: { content: 'Stop and do this instead', ifBusy: 'reject' } },
    );
    expect(rejected.status).toBe(409);
    expect(rejected.body).toMatchObject({ error: 'TURN_IN_PROGRESS', turnId: running.turnId });

    const interrupting = await api.request<{ turnId: string }>('POST', `/v1/sessions/${sessionId}/messages`, {
      body: { content: 'Say only: ok', ifBusy: 'interrupt' },
    });
    expect(interrupting.status).toBe(202);
    const next = interrupting.body.turnId;
    const events = await stream.waitFor(terminalOf(next), 120_000);
    const ends = events.filter((e) => TERMINAL.has(e.event));
    expect(ends.map((e) => [payload<{ turnId: string }>(e).turnId, e.event])).toEqual([
      [running.turnId, 'turn.cancelled'],
      [next, 'turn.completed'],
    ]);
    expect(payload<{ cancelledBy: { via: string } }>(ends[0] as SseEvent).cancelledBy.via).toBe('interrupt');
    // The interrupted turn ended before the new one started.
    const startOfNext = events.findIndex((e) => e.event === 'turn.started' && ofTurn(next)(e));
    expect(events.indexOf(ends[0] as SseEvent)).toBeLessThan(startOfNext);

    // enqueue (the default, and when named): waits behind the open turn, then runs.
    const third = await api.postMessage(sessionId, LONG_PROMPT);
    await stream.waitFor((evs) => tokensOf(third.turnId)(evs).length >= 1, 120_000);
    const queued = await api.request<{ turnId: string }>('POST', `/v1/sessions/${sessionId}/messages`, {
      body: { content: 'Then this', ifBusy: 'enqueue' },
    });
    expect(queued.status).toBe(202);
    await cancel(sessionId, third.turnId);
    const after = await stream.waitFor(terminalOf(queued.body.turnId), 120_000);
    stream.close();
    expect(after.some((e) => e.event === 'turn.started' && ofTurn(queued.body.turnId)(e))).toBe(true);

    const bad = await api.request<{ error: string }>('POST', `/v1/sessions/${sessionId}/messages`, {
      body: { content: 'x', ifBusy: 'sometimes' },
    });
    expect(bad.status).toBe(400);
  });

  it('Socket.IO: cancel is acknowledged with the state; disconnecting cancels only with cancelOnDisconnect', async () => {
    const { sessionId, stream } = await longSession();
    const socket = new SessionSocket(baseUrl, { token: inject('adminKey') });
    expect((await socket.join(sessionId, 0)).ok).toBe(true);
    const first = await api.postMessage(sessionId, LONG_PROMPT);
    await stream.waitFor((events) => tokensOf(first.turnId)(events).length >= 1, 120_000);
    const ack = (await socket.emitRaw('cancel', { sessionId, turnId: first.turnId })) as Cancelled & {
      ok: boolean;
    };
    expect(ack).toMatchObject({ ok: true, turnId: first.turnId, status: 'cancelled', cancelRequested: true });
    const bad = (await socket.emitRaw('cancel', { sessionId, turnId: 'nope' })) as {
      ok: boolean;
      error: { code: string; fields?: { field: string }[] };
    };
    expect(bad.ok).toBe(false);
    expect(bad.error.code).toBe('VALIDATION_FAILED');
    expect(bad.error.fields?.map((f) => f.field)).toContain('turnId');
    const missing = (await socket.emitRaw('cancel', { sessionId, turnId: randomUUID() })) as {
      ok: boolean;
      error: { code: string };
    };
    expect(missing).toMatchObject({ ok: false, error: { code: 'TURN_NOT_FOUND' } });
    expect(socket.socket.connected).toBe(true);

    // A socket that only leaves: the turn goes on to its end.
    const plain = new SessionSocket(baseUrl, { token: inject('adminKey') });
    expect((await plain.join(sessionId, 0)).ok).toBe(true);
    const { sessionId: short } = await sessionWithProfile(api, { name: 'short', maxTokens: 24 });
    sessions.push(short);
    const shortStream = new SseStream(`${baseUrl}/v1/sessions/${short}/events`, api.authHeaders());
    expect((await plain.join(short, 0)).ok).toBe(true);
    const kept = await api.postMessage(short, 'Hello there');
    await shortStream.waitFor((events) => events.some(ofTurn(kept.turnId)), 120_000);
    plain.socket.disconnect();
    const keptEvents = await shortStream.waitFor(terminalOf(kept.turnId), 120_000);
    shortStream.close();
    expect(keptEvents.filter((e) => TERMINAL.has(e.event)).map((e) => e.event)).not.toContain(
      'turn.cancelled',
    );

    // A socket that asked for cancel-on-disconnect: its going away cancels the session's open turn.
    expect((await socket.join(sessionId, 0, { cancelOnDisconnect: true })).ok).toBe(true);
    const second = await api.postMessage(sessionId, LONG_PROMPT);
    await stream.waitFor((events) => tokensOf(second.turnId)(events).length >= 1, 120_000);
    socket.socket.disconnect();
    const events = await stream.waitFor(terminalOf(second.turnId), 10_000);
    stream.close();
    const end = events.find((e) => TERMINAL.has(e.event) && ofTurn(second.turnId)(e)) as SseEvent;
    expect(end.event).toBe('turn.cancelled');
    expect(payload<{ cancelledBy: { via: string } }>(end).cancelledBy.via).toBe('disconnect');
  });

  it('soma sessions cancel: cancels a running turn and prints its state; an unknown turn exits 1 with its code', async () => {
    const { sessionId, stream } = await longSession();
    const { turnId } = await api.postMessage(sessionId, LONG_PROMPT);
    await stream.waitFor((events) => tokensOf(turnId)(events).length >= 1, 120_000);
    const env = { SOMA_API_KEY: inject('adminKey') };
    const cancelled = await runCli(
      ['sessions', 'cancel', sessionId, turnId, '--json', '--url', baseUrl],
      env,
    );
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(JSON.parse(cancelled.stdout)).toMatchObject({
      turnId,
      status: 'cancelled',
      cancelRequested: true,
    });
    const again = await runCli(['sessions', 'cancel', sessionId, turnId, '--url', baseUrl], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('cancelled');
    const unknown = await runCli(['sessions', 'cancel', sessionId, randomUUID(), '--url', baseUrl], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('TURN_NOT_FOUND');
    stream.close();
  });

  it('bad input: another tenant’s turn and an unknown turn are 404, never a 500; a bad cancelOnDisconnect is 400', async () => {
    const { sessionId, stream } = await longSession();
    const { turnId } = await api.postMessage(sessionId, 'Hi');
    const other = new ApiClient(baseUrl, (await createTenant('cancel')).adminKey);
    const foreign = await cancel(sessionId, turnId, other);
    expect(foreign.status).toBe(404);
    for (const path of [
      `/v1/sessions/${sessionId}/turns/${randomUUID()}/cancel`,
      `/v1/sessions/${sessionId}/turns/not-a-uuid/cancel`,
      `/v1/sessions/${randomUUID()}/turns/${turnId}/cancel`,
    ]) {
      const response = await api.request<{ error: string }>('POST', path);
      expect(response.status, path).toBe(404);
    }
    const sse = await fetch(`${baseUrl}/v1/sessions/${sessionId}/events?cancelOnDisconnect=maybe`, {
      headers: api.authHeaders(),
    });
    expect(sse.status).toBe(400);
    expect(((await sse.json()) as { error: string }).error).toBe('VALIDATION_FAILED');
    // The other tenant's cancel changed nothing: the turn ends on its own.
    const events = await stream.waitFor(terminalOf(turnId), 120_000);
    stream.close();
    const end = events.find((e) => TERMINAL.has(e.event) && ofTurn(turnId)(e)) as SseEvent;
    expect(end.event).not.toBe('turn.cancelled');
  });
});

describe('cancel during a tool call: the sandboxed program is killed', () => {
  const baseUrl = inject('gatewayUrl');
  const api = new ApiClient(baseUrl, inject('adminKey'));
  const probe = new KafkaProbe();
  let sessionId = '';

  beforeAll(async () => {
    await probe.start([Topics.toolResults]);
  });

  afterAll(async () => {
    await drainSessions(api, [sessionId]);
    await probe.stop();
  });

  /** The live runs holding `name` in their /work (the program's own tmpfs, seen through /proc/<pid>/root). */
  const runsWith = (name: string): string[] =>
    sandboxRuns()
      .filter((run) => runWorkFile(run.pids, name) !== undefined)
      .map((run) => run.key);

  it('a running code.execute of the cancelled turn is killed: the file it would write later never appears', async () => {
    ({ sessionId } = await sessionWithProfile(api, LONG));
    const stream = new SseStream(`${baseUrl}/v1/sessions/${sessionId}/events`, api.authHeaders());
    const { turnId } = await api.postMessage(sessionId, LONG_PROMPT);
    await stream.waitFor((events) => tokensOf(turnId)(events).length >= 1, 120_000);

    const marker = randomUUID();
    const code = `touch /work/started-${marker}; sleep 3; touch /work/late-${marker}; sleep 5`;
    const call = toolRequest(await defaultTenantId(), sessionId, 'code.execute', {
      language: 'bash',
      code,
      timeoutMs: 15_000,
    });
    call.payload.turnId = turnId;
    await probe.publish(Topics.toolRequests, call);
    const deadline = Date.now() + 60_000;
    while (runsWith(`started-${marker}`).length === 0) {
      if (Date.now() > deadline) throw new Error('the program did not start');
      await sleep(20);
    }
    const [run] = runsWith(`started-${marker}`);

    const answer = await cancel(sessionId, turnId);
    expect(answer.body.status).toBe('cancelled');
    const [result] = await probe.waitFor<ToolCallFinished>(
      (topic, e) => topic === Topics.toolResults && e.payload.toolCallId === call.payload.toolCallId,
      10_000,
    );
    expect(result?.payload.error?.code).toBe('TOOL_CANCELLED');
    // Killed, not left to run: its processes are gone at once (its cgroup killed with it), and the file it would
    // have written 3 s after starting never appears.
    expect(sandboxRuns().map((r) => r.key)).not.toContain(run);
    const watchUntil = Date.now() + 5000;
    while (Date.now() < watchUntil) {
      expect(runsWith(`late-${marker}`)).toEqual([]);
      await sleep(50);
    }
    stream.close();
  });

  function cancel(session: string, turnId: string) {
    return api.request<Cancelled>('POST', `/v1/sessions/${session}/turns/${turnId}/cancel`);
  }
});
