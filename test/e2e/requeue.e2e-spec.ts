import { toolRequest } from '../support/tool-requests.js';
import {
  Topics,
  type AuditRecorded,
  type Envelope,
  type ToolCallBlocked,
  type ToolCallFinished,
  type ToolCallRequested,
} from '#soma/contracts';
import { ApiClient } from '#soma/client';
import { loadConfig } from '#soma/platform';
import { argumentsHash } from '#soma/tools';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { drainSessions, toolTestSession } from '../support/sessions.js';
import { opsPortOf, ROOT, STATE_DIR, TEST_PORTS } from '../support/apps.js';
import { defaultTenantId, withDb } from '../support/db.js';
import { KafkaProbe } from '../support/kafka-probe.js';
import { createTenant } from '../support/tenants.js';

const opaUrl = loadConfig().opaUrl;

interface ItemView {
  id: string;
  toolCallId: string;
  status: string;
  attempt: number;
  reasons: string[];
  request: ToolCallRequested;
  decision: { outcome: string; ruleIds: string[] };
  audit?: { action: string; actorKeyId: string; reason: string; detail: Record<string, unknown> }[];
}
interface DeadLetterView {
  id: string;
  sourceTopic: string;
  reason: string;
  detail: string;
  app: string | null;
  source: string | null;
  value: string | null;
  status: string;
}
/** Requeue's calls come from a user key unless a test says otherwise. */
const request = (...[tenantId, sessionId, tool, args, overrides = {}]: Parameters<typeof toolRequest>) =>
  toolRequest(tenantId, sessionId, tool, args, { principal: { role: 'user', keyId: null }, ...overrides });

interface Page<T> {
  items: T[];
  next: string | null;
}

const PRINT_42 = { language: 'python', code: 'print(6 * 7)' };

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function notesOf(sessionId: string, content: string): Promise<number> {
  return withDb(async (db) => {
    const { rows } = await db.query<{ n: string }>(
      'SELECT count(*) AS n FROM memory_notes WHERE session_id = $1 AND content = $2',
      [sessionId, content],
    );
    return Number(rows[0]?.n ?? 0);
  });
}

async function stopOpa(): Promise<void> {
  const pid = Number(readFileSync(join(STATE_DIR, 'run', 'opa.pid'), 'utf8').trim());
  process.kill(pid, 'SIGTERM');
  await until('OPA to stop', async () =>
    (await fetch(`${opaUrl}/health`).then(
      () => true,
      () => false,
    ))
      ? undefined
      : true,
  );
}

function startInfra(): void {
  execFileSync('bash', [join(ROOT, 'scripts', 'infra', 'infra.sh'), 'up'], { stdio: 'ignore' });
}

describe('requeue: review, audited override, rejection, retries and dead letters (real services)', () => {
  const api = new ApiClient(inject('gatewayUrl'), inject('adminKey'));
  const probe = new KafkaProbe();
  let userApi: ApiClient;
  let tenantId: string;
  let sessionId: string;

  const resultsOf = (toolCallId: string) =>
    probe.received
      .filter((r) => r.topic === Topics.toolResults)
      .map((r) => r.envelope as Envelope<string, ToolCallFinished>)
      .filter((e) => e.payload.toolCallId === toolCallId);
  const resultWith = (toolCallId: string, status: ToolCallFinished['status'], timeoutMs = 30_000) =>
    until(
      `a ${status} result for ${toolCallId}`,
      () => Promise.resolve(resultsOf(toolCallId).find((e) => e.payload.status === status)),
      timeoutMs,
    );
  const pendingItem = (toolCallId: string) =>
    until(`a pending requeue item for ${toolCallId}`, async () => {
      const page = await api.request<Page<ItemView>>(
        'GET',
        `/v1/requeue?sessionId=${sessionId}&status=pending&limit=100`,
      );
      return page.body.items.find((item) => item.toolCallId === toolCallId);
    });
  const blockedOnce = async (envelope: Envelope<string, ToolCallRequested>) => {
    await probe.publish(Topics.toolRequests, envelope);
    return pendingItem(envelope.payload.toolCallId);
  };

  beforeAll(async () => {
    await probe.start([Topics.toolRequests, Topics.toolResults, Topics.toolBlocked, Topics.auditEvents]);
    tenantId = await defaultTenantId();
    sessionId = await toolTestSession(api);
    // A user (non-admin) key of the same tenant, stored as the identity lib stores keys (SHA-256).
    const key = `soma_${randomBytes(32).toString('base64url')}`;
    await withDb((db) =>
      db.query(
        `INSERT INTO api_keys (id, tenant_id, name, role, key_hash, key_prefix) VALUES ($1, $2, $3, 'user', $4, $5)`,
        [
          randomUUID(),
          tenantId,
          'requeue-test-user',
          createHash('sha256').update(key).digest('hex'),
          key.slice(0, 12),
        ],
      ),
    );
    userApi = new ApiClient(inject('gatewayUrl'), key);
  });

  afterAll(async () => {
    await drainSessions(api, [sessionId]);
    await probe.stop();
  });

  it('keeps a call that needs approval as a pending item with its full request, decision and reasons', async () => {
    const envelope = request(tenantId, sessionId, 'code.execute', PRINT_42);
    const item = await blockedOnce(envelope);
    expect(item.request).toEqual(envelope.payload);
    expect(item.decision.outcome).toBe('require_approval');
    expect(item.decision.ruleIds).toEqual(['risk.high_needs_approval']);
    expect(item.reasons.length).toBeGreaterThan(0);
    expect(resultsOf(envelope.payload.toolCallId).map((e) => e.payload.status)).toEqual(['blocked']);
    // Filters and pagination.
    const byTool = await api.request<Page<ItemView>>('GET', `/v1/requeue?tool=code.execute&limit=1`);
    expect(byTool.status).toBe(200);
    expect(byTool.body.items).toHaveLength(1);
    expect(byTool.body.next === null || typeof byTool.body.next === 'string').toBe(true);
    const future = await api.request<Page<ItemView>>(
      'GET',
      `/v1/requeue?sessionId=${sessionId}&from=${new Date(Date.now() + 3_600_000).toISOString()}`,
    );
    expect(future.body.items).toEqual([]);
    const bad = await api.request<{ error: string }>('GET', '/v1/requeue?status=sleeping&limit=0');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('VALIDATION_FAILED');
    expect((await api.request('GET', `/v1/requeue/${randomUUID()}`)).status).toBe(404);
    expect((await userApi.request('GET', '/v1/requeue')).status).toBe(403);
  });

  it('override: 403 for a user key, reason required, runs exactly once, audited, second decision 409', async () => {
    const envelope = request(tenantId, sessionId, 'code.execute', PRINT_42);
    const item = await blockedOnce(envelope);
    const toolCallId = envelope.payload.toolCallId;

    const asUser = await userApi.request<{ error: string }>('POST', `/v1/requeue/${item.id}/override`, {
      body: { reason: 'let me' },
    });
    expect(asUser.status).toBe(403);
    expect(asUser.body.error).toBe('ADMIN_ROLE_REQUIRED');
    for (const body of [{}, { reason: '   ' }]) {
      const refused = await api.request('POST', `/v1/requeue/${item.id}/override`, { body });
      expect(refused.status).toBe(400);
    }
    expect(resultsOf(toolCallId).filter((e) => e.payload.status === 'ok')).toEqual([]);

    const overridden = await api.request<{ grantId: string; auditId: string; status: string }>(
      'POST',
      `/v1/requeue/${item.id}/override`,
      { body: { reason: 'reviewed: it only prints a number' } },
    );
    expect(overridden.status).toBe(200);
    expect(overridden.body.status).toBe('overridden');
    const ok = await resultWith(toolCallId, 'ok');
    expect(ok.payload.output).toMatchObject({ exitCode: 0, stdout: '42\n' });

    // Again: 409 for both decisions.
    for (const action of ['override', 'reject']) {
      const again = await api.request<{ error: string }>('POST', `/v1/requeue/${item.id}/${action}`, {
        body: { reason: 'twice' },
      });
      expect(again.status).toBe(409);
      expect(again.body.error).toBe('REQUEUE_ITEM_NOT_PENDING');
    }

    // A redelivery of the granted request does not run the call again: the stored result is replayed.
    const granted = (
      await probe.waitFor<ToolCallRequested>(
        (topic, e) => topic === Topics.toolRequests && e.payload.grant?.grantId === overridden.body.grantId,
        10_000,
      )
    )[0] as Envelope<string, ToolCallRequested>;
    await probe.publish(Topics.toolRequests, { ...granted, eventId: randomUUID() });
    await until('the replayed result', () =>
      Promise.resolve(
        resultsOf(toolCallId).filter((e) => e.payload.status === 'ok').length >= 2 ? true : undefined,
      ),
    );
    const okIds = new Set(
      resultsOf(toolCallId)
        .filter((e) => e.payload.status === 'ok')
        .map((e) => e.eventId),
    );
    expect(okIds.size).toBe(1);

    await withDb(async (db) => {
      const { rows } = await db.query<{ status: string; grant_id: string; used: boolean }>(
        `SELECT c.status, c.grant_id, g.used_at IS NOT NULL AS used
         FROM tool_calls c JOIN override_grants g ON g.tool_call_id = c.tool_call_id WHERE c.tool_call_id = $1`,
        [toolCallId],
      );
      expect(rows).toEqual([{ status: 'ok', grant_id: overridden.body.grantId, used: true }]);
    });

    // The audit trail: API, append-only table, and audit.events.
    const detail = await api.request<ItemView>('GET', `/v1/requeue/${item.id}`);
    expect(detail.body.status).toBe('overridden');
    expect(detail.body.audit).toHaveLength(1);
    expect(detail.body.audit?.[0]).toMatchObject({
      action: 'requeue.overridden',
      reason: 'reviewed: it only prints a number',
      detail: { toolCallId, grantId: overridden.body.grantId },
    });
    expect(detail.body.audit?.[0]?.detail.overriddenDecision).toMatchObject({ outcome: 'require_approval' });
    const [audited] = await probe.waitFor<AuditRecorded>(
      (topic, e) => topic === Topics.auditEvents && e.payload.auditId === overridden.body.auditId,
      10_000,
    );
    expect(audited?.payload).toMatchObject({
      action: 'requeue.overridden',
      subject: { type: 'requeue_item', id: item.id },
      reason: 'reviewed: it only prints a number',
    });
    expect(audited?.payload.actor.keyId).toBe(detail.body.audit?.[0]?.actorKeyId);
    // The apps' role may not rewrite it (the owner's trigger refuses too: test/e2e/audit-trail.e2e-spec.ts).
    await withDb(async (db) => {
      await expect(
        db.query(`UPDATE audit_events SET reason = 'nothing happened' WHERE id = $1`, [
          overridden.body.auditId,
        ]),
      ).rejects.toThrow(/permission denied/);
      await expect(
        db.query(`DELETE FROM audit_events WHERE id = $1`, [overridden.body.auditId]),
      ).rejects.toThrow(/permission denied/);
    });
  });

  it('reject: the session gets a final blocked result with the reason; audited; then 409', async () => {
    const envelope = request(tenantId, sessionId, 'code.execute', PRINT_42);
    const item = await blockedOnce(envelope);
    expect(
      (await userApi.request('POST', `/v1/requeue/${item.id}/reject`, { body: { reason: 'no' } })).status,
    ).toBe(403);
    const rejected = await api.request<{ status: string }>('POST', `/v1/requeue/${item.id}/reject`, {
      body: { reason: 'not needed for this task' },
    });
    expect(rejected.status).toBe(200);
    const final = await until('the rejection result', () =>
      Promise.resolve(
        resultsOf(envelope.payload.toolCallId).find((e) => e.payload.error?.code === 'REJECTED_BY_ADMIN'),
      ),
    );
    expect(final.payload.status).toBe('blocked');
    expect(final.payload.error?.message).toBe('not needed for this task');
    expect(JSON.stringify(final.payload.output)).toContain('not needed for this task');
    const detail = await api.request<ItemView>('GET', `/v1/requeue/${item.id}`);
    expect(detail.body.status).toBe('rejected');
    expect(detail.body.audit?.map((a) => a.action)).toEqual(['requeue.rejected']);
    // The tenant-wide trail has it too, for admins only; another tenant's admin does not see it.
    const trail = await api.request<
      Page<{ action: string; subjectType: string; reason: string; tenantId: string }>
    >('GET', `/v1/audit-events?subjectId=${item.id}`);
    expect(trail.status).toBe(200);
    expect(trail.body.items).toEqual([
      expect.objectContaining({
        action: 'requeue.rejected',
        subjectType: 'requeue_item',
        reason: 'not needed for this task',
        tenantId,
      }),
    ]);
    expect((await userApi.request('GET', '/v1/audit-events')).status).toBe(403);
    const other = new ApiClient(inject('gatewayUrl'), (await createTenant('audit')).adminKey);
    const foreign = await other.request<Page<unknown>>('GET', `/v1/audit-events?subjectId=${item.id}`);
    expect(foreign.status).toBe(200);
    expect(foreign.body.items).toEqual([]);
    expect(
      (await api.request('POST', `/v1/requeue/${item.id}/override`, { body: { reason: 'x' } })).status,
    ).toBe(409);
    expect(resultsOf(envelope.payload.toolCallId).some((e) => e.payload.status === 'ok')).toBe(false);
  });

  it('refuses a forged grant and a reused grant (the call stays blocked and can still be overridden)', async () => {
    // Forged: the right arguments hash, but no grant was ever recorded.
    const forgedCall = request(tenantId, sessionId, 'code.execute', PRINT_42);
    const forgedItem = await blockedOnce(forgedCall);
    expect((await api.request<ItemView>('GET', `/v1/requeue/${forgedItem.id}`)).body.status).toBe('pending');
    const hash = argumentsHash(PRINT_42);
    await probe.publish(Topics.toolRequests, {
      ...forgedCall,
      eventId: randomUUID(),
      payload: { ...forgedCall.payload, grant: { grantId: randomUUID(), argumentsHash: hash } },
    });
    const refused = await until('the forged grant refusal', () =>
      Promise.resolve(
        resultsOf(forgedCall.payload.toolCallId).find((e) => e.payload.error?.code === 'GRANT_INVALID'),
      ),
    );
    expect(refused.payload.status).toBe('blocked');

    // Reused: a real grant, already spent on its own call, presented for another call with the same arguments.
    const spent = await withDb(async (db) => {
      const { rows } = await db.query<{ grant_id: string }>(
        'SELECT grant_id FROM override_grants WHERE used_at IS NOT NULL ORDER BY created_at DESC LIMIT 1',
      );
      return rows[0]?.grant_id ?? '';
    });
    expect(spent).not.toBe('');
    const otherCall = request(tenantId, sessionId, 'code.execute', PRINT_42);
    await blockedOnce(otherCall);
    await probe.publish(Topics.toolRequests, {
      ...otherCall,
      eventId: randomUUID(),
      payload: { ...otherCall.payload, grant: { grantId: spent, argumentsHash: hash } },
    });
    const reused = await until('the reused grant refusal', () =>
      Promise.resolve(
        resultsOf(otherCall.payload.toolCallId).find((e) => e.payload.error?.code === 'GRANT_INVALID'),
      ),
    );
    expect(reused.payload.status).toBe('blocked');
    expect(resultsOf(otherCall.payload.toolCallId).some((e) => e.payload.status === 'ok')).toBe(false);

    // The forged attempt did not spoil the call: a real override still runs it, once.
    const overridden = await api.request('POST', `/v1/requeue/${forgedItem.id}/override`, {
      body: { reason: 'ok after review' },
    });
    expect(overridden.status).toBe(200);
    const ok = await resultWith(forgedCall.payload.toolCallId, 'ok');
    expect(ok.payload.output).toMatchObject({ stdout: '42\n' });
  });

  it('dead-letters a malformed message on tool.requests with its reason, and the executor keeps going', async () => {
    const marker = randomUUID();
    await probe.publishRaw(Topics.toolRequests, sessionId, `{"broken": "${marker}"`);
    const invalid = request(tenantId, sessionId, 'memory.write', { content: marker });
    await probe.publishRaw(
      Topics.toolRequests,
      sessionId,
      JSON.stringify({ ...invalid, payload: { ...invalid.payload, attempt: 0 } }),
    );
    // requeue's own consumer of tool.blocked survives a poison message the same way.
    await probe.publishRaw(Topics.toolBlocked, sessionId, `not json at all ${marker}`);
    const next = request(
      tenantId,
      sessionId,
      'memory.write',
      { content: `after-${marker}` },
      {
        principal: { role: 'admin', keyId: null },
      },
    );
    await probe.publish(Topics.toolRequests, next);
    await resultWith(next.payload.toolCallId, 'ok');

    const letters = await until('both dead letters', async () => {
      const page = await api.request<Page<DeadLetterView>>(
        'GET',
        `/v1/dead-letters?sourceTopic=${Topics.toolRequests}&limit=100`,
      );
      const mine = page.body.items.filter((letter) => letter.value?.includes(marker));
      return mine.length >= 2 ? mine : undefined;
    });
    const byReason = Object.fromEntries(letters.map((letter) => [letter.reason, letter]));
    expect(Object.keys(byReason).sort()).toEqual(['MALFORMED_JSON', 'SCHEMA_VIOLATION']);
    expect(byReason.MALFORMED_JSON?.app).toBe('tool-executor');
    expect(byReason.MALFORMED_JSON?.source).toMatch(/^tool\.requests\/\d+\/\d+$/);
    expect(byReason.SCHEMA_VIOLATION?.detail).toContain('/payload/attempt');
    const own = await until('the tool.blocked dead letter', async () => {
      const page = await api.request<Page<DeadLetterView>>(
        'GET',
        `/v1/dead-letters?sourceTopic=${Topics.toolBlocked}&reason=MALFORMED_JSON&limit=100`,
      );
      return page.body.items.find((letter) => letter.value?.includes(marker));
    });
    expect(own.app).toBe('requeue');
    // ...and keeps consuming: a later blocked call still becomes a pending item.
    await blockedOnce(request(tenantId, sessionId, 'code.execute', PRINT_42));
    expect(await notesOf(sessionId, marker)).toBe(0);

    const replay = await api.request<{ error: string }>(
      'POST',
      `/v1/dead-letters/${byReason.MALFORMED_JSON?.id ?? ''}/replay`,
      { body: {} },
    );
    expect(replay.status).toBe(422);
    expect(replay.body.error).toBe('DEAD_LETTER_NOT_REPLAYABLE');
    expect((await userApi.request('GET', '/v1/dead-letters')).status).toBe(403);
    expect((await api.request('GET', '/v1/dead-letters?reason=MALFORMED_JSON&status=gone')).status).toBe(400);

    const metrics = await (await fetch(`http://127.0.0.1:${TEST_PORTS.requeue}/metrics`)).text();
    expect(metrics).toMatch(/dead_letters_total\{[^}]*reason="MALFORMED_JSON"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/requeue_items\{[^}]*status="pending"[^}]*\} [1-9]/);
    const gatewayMetrics = await (
      await fetch(`http://127.0.0.1:${opsPortOf('gateway', TEST_PORTS.gateway)}/metrics`)
    ).text();
    expect(gatewayMetrics).toMatch(/requeue_overrides_total\{[^}]*\} [1-9]/);
  });

  it('OPA really stopped: calls are retried with backoff and succeed once it is back, none lost, none run twice', async () => {
    await stopOpa();
    const calls = [1, 2, 3].map((n) =>
      request(
        tenantId,
        sessionId,
        'memory.write',
        { content: `retry-${n}-${randomUUID()}` },
        {
          principal: { role: 'admin', keyId: null },
        },
      ),
    );
    try {
      for (const call of calls) await probe.publish(Topics.toolRequests, call);
      // Every call is blocked as transient, then retried (attempt 2) after a backoff delay.
      for (const call of calls) {
        const blocked = await probe.waitFor<ToolCallBlocked>(
          (topic, e) =>
            topic === Topics.toolBlocked &&
            e.payload.request.toolCallId === call.payload.toolCallId &&
            e.payload.request.attempt <= 2,
          30_000,
          2,
        );
        expect(blocked.map((b) => b.payload.decision.transient)).toEqual([true, true]);
        const [first, second] = blocked.map((b) => Date.parse(b.occurredAt));
        expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(250); // base 500 ms, equal jitter
      }
    } finally {
      startInfra();
    }
    for (const call of calls) {
      const ok = await resultWith(call.payload.toolCallId, 'ok', 60_000);
      expect(ok.payload.status).toBe('ok');
    }
    for (const call of calls) {
      expect(await notesOf(sessionId, call.payload.arguments.content as string)).toBe(1);
      const okIds = new Set(
        resultsOf(call.payload.toolCallId)
          .filter((e) => e.payload.status === 'ok')
          .map((e) => e.eventId),
      );
      expect(okIds.size).toBe(1);
    }
    const items = await until('the retried items to be resolved', async () => {
      const page = await api.request<Page<ItemView>>(
        'GET',
        `/v1/requeue?sessionId=${sessionId}&status=resolved&limit=100`,
      );
      const mine = page.body.items.filter((item) =>
        calls.some((c) => c.payload.toolCallId === item.toolCallId),
      );
      return mine.length === calls.length ? mine : undefined;
    });
    expect(items.every((item) => item.attempt >= 2)).toBe(true);
    const metrics = await (await fetch(`http://127.0.0.1:${TEST_PORTS.requeue}/metrics`)).text();
    expect(metrics).toMatch(/retries_total\{[^}]*topic="tool.requests"[^}]*\} [1-9]/);
  });

  it('retries exhausted → dead letter (RETRIES_EXHAUSTED) → replay once OPA is back → the call runs once', async () => {
    await stopOpa();
    const content = `exhausted-${randomUUID()}`;
    const call = request(
      tenantId,
      sessionId,
      'memory.write',
      { content },
      { principal: { role: 'admin', keyId: null } },
    );
    let letter: DeadLetterView;
    try {
      await probe.publish(Topics.toolRequests, call);
      letter = await until(
        'the dead letter',
        async () => {
          const page = await api.request<Page<DeadLetterView>>(
            'GET',
            '/v1/dead-letters?reason=RETRIES_EXHAUSTED&status=stored&limit=100',
          );
          return page.body.items.find((l) => l.value?.includes(call.payload.toolCallId));
        },
        60_000,
      );
    } finally {
      startInfra();
    }
    expect(letter.sourceTopic).toBe(Topics.toolRequests);
    expect(letter.app).toBe('requeue');
    const attempts = probe.received.filter(
      (r) =>
        r.topic === Topics.toolBlocked &&
        (r.envelope as Envelope<string, ToolCallBlocked>).payload.request.toolCallId ===
          call.payload.toolCallId,
    );
    expect(attempts).toHaveLength(6); // SOMA_RETRY_MAX_ATTEMPTS default
    const item = (
      await api.request<Page<ItemView>>(
        'GET',
        `/v1/requeue?sessionId=${sessionId}&status=dead_lettered&limit=100`,
      )
    ).body.items.find((i) => i.toolCallId === call.payload.toolCallId);
    expect(item?.attempt).toBe(6);
    expect(await notesOf(sessionId, content)).toBe(0);

    const replayed = await api.request<{ status: string }>('POST', `/v1/dead-letters/${letter.id}/replay`, {
      body: { reason: 'OPA is back' },
    });
    expect(replayed.status).toBe(200);
    await resultWith(call.payload.toolCallId, 'ok', 30_000);
    expect(await notesOf(sessionId, content)).toBe(1);
    const again = await api.request<{ error: string }>('POST', `/v1/dead-letters/${letter.id}/replay`, {
      body: {},
    });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('DEAD_LETTER_ALREADY_REPLAYED');
  });
});
