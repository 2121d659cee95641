import { Topics, type Envelope, type ToolCallBlocked, type ToolCallFinished } from '#soma/contracts';
import { toolRequest as request } from '../support/tool-requests.js';
import { loadConfig } from '#soma/platform';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { drainSessions, toolTestSession } from '../support/sessions.js';
import { ApiClient } from '#soma/client';
import { ROOT, STATE_DIR } from '../support/apps.js';
import { defaultTenantId, withDb } from '../support/db.js';
import { KafkaProbe } from '../support/kafka-probe.js';

const opaUrl = loadConfig().opaUrl;

async function notesOf(sessionId: string): Promise<string[]> {
  return withDb(async (db) => {
    const { rows } = await db.query<{ content: string }>(
      'SELECT content FROM memory_notes WHERE session_id = $1 ORDER BY created_at',
      [sessionId],
    );
    return rows.map((row) => row.content);
  });
}

describe('tool executor (Kafka → validation → OPA + OpenFGA → sandbox → tool.results)', () => {
  const api = new ApiClient(inject('gatewayUrl'), inject('adminKey'));
  const probe = new KafkaProbe();
  let tenantId: string;
  let sessionId: string;

  const resultOf = async (toolCallId: string, timeoutMs = 30_000, count = 1) =>
    probe.waitFor<ToolCallFinished>(
      (topic, e) => topic === Topics.toolResults && e.payload.toolCallId === toolCallId,
      timeoutMs,
      count,
    );
  const blockedOf = async (toolCallId: string) =>
    (
      await probe.waitFor<ToolCallBlocked>(
        (topic, e) => topic === Topics.toolBlocked && e.payload.request.toolCallId === toolCallId,
        30_000,
      )
    )[0] as Envelope<string, ToolCallBlocked>;

  beforeAll(async () => {
    await probe.start([Topics.toolResults, Topics.toolBlocked]);
    tenantId = await defaultTenantId();
    sessionId = await toolTestSession(api);
  });

  afterAll(async () => {
    await drainSessions(api, [sessionId]);
    await probe.stop();
  });

  it('runs a user’s explicit code.execute (POST /tool-calls) and returns the Python program’s stdout', async () => {
    const response = await api.request<{ toolCallId: string }>(
      'POST',
      `/v1/sessions/${sessionId}/tool-calls`,
      {
        body: { tool: 'code.execute', arguments: { language: 'python', code: 'print(6 * 7)' } },
      },
    );
    expect(response.status).toBe(202);
    const [result] = await resultOf(response.body.toolCallId);
    const payload = result?.payload as ToolCallFinished;
    expect(payload.status).toBe('ok');
    expect(payload.output).toMatchObject({ exitCode: 0, stdout: '42\n', timedOut: false });
    expect(payload.decision?.outcome).toBe('allow');
    expect(payload.decision?.engines.map((e) => [e.engine, e.outcome])).toEqual([
      ['opa', 'allow'],
      ['openfga', 'allow'],
    ]);
  });

  it('refuses bad requests over HTTP with the reason: unknown tool, schema path, unknown session', async () => {
    const unknown = await api.request<{ error: string }>('POST', `/v1/sessions/${sessionId}/tool-calls`, {
      body: { tool: 'shell.root', arguments: {} },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe('UNKNOWN_TOOL');
    const invalid = await api.request<{ error: string; errors: { path: string }[] }>(
      'POST',
      `/v1/sessions/${sessionId}/tool-calls`,
      { body: { tool: 'code.execute', arguments: { language: 'cobol', code: 'x' } } },
    );
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toBe('INVALID_ARGUMENTS');
    expect(invalid.body.errors.map((e) => e.path)).toContain('/language');
    const missing = await api.request('POST', `/v1/sessions/${randomUUID()}/tool-calls`, {
      body: { tool: 'web.search', arguments: { query: 'x' } },
    });
    expect(missing.status).toBe(404);
  });

  it('answers invalid arguments with an error naming the schema path, and runs nothing', async () => {
    const marker = `never-written-${randomUUID()}`;
    const envelope = request(tenantId, sessionId, 'memory.write', { content: marker, tags: 'not-a-list' });
    await probe.publish(Topics.toolRequests, envelope);
    const [result] = await resultOf(envelope.payload.toolCallId);
    const payload = result?.payload as ToolCallFinished;
    expect(payload.status).toBe('error');
    expect(payload.error?.code).toBe('INVALID_ARGUMENTS');
    expect(payload.error?.message).toContain('/tags');
    expect(payload.decision).toBeNull(); // policy was not even asked
    expect(await notesOf(sessionId)).not.toContain(marker);
  });

  it('runs a redelivered call once and answers the redelivery with the stored result', async () => {
    const marker = `exactly-once-${randomUUID()}`;
    const envelope = request(tenantId, sessionId, 'memory.write', { content: marker });
    await probe.publish(Topics.toolRequests, envelope);
    await resultOf(envelope.payload.toolCallId);
    await probe.publish(Topics.toolRequests, { ...envelope, eventId: randomUUID() });
    const [first, second] = await resultOf(envelope.payload.toolCallId, 30_000, 2);
    expect(second?.eventId).toBe(first?.eventId);
    expect(second?.payload).toEqual(first?.payload);
    expect((await notesOf(sessionId)).filter((note) => note === marker)).toHaveLength(1);
  });

  it('lets OPA deny a forbidden call with its rule ids and reasons, on tool.results and tool.blocked', async () => {
    const envelope = request(
      tenantId,
      sessionId,
      'code.execute',
      { language: 'bash', code: 'id' },
      {
        principal: { role: 'user', keyId: null },
      },
    );
    await probe.publish(Topics.toolRequests, envelope);
    const [result] = await resultOf(envelope.payload.toolCallId);
    const payload = result?.payload as ToolCallFinished;
    expect(payload.status).toBe('blocked');
    expect(payload.decision?.outcome).toBe('deny');
    expect(payload.decision?.ruleIds).toContain('code.bash_admin_only');
    expect(payload.decision?.reasons).toContain('bash programs may only be run by admins');
    expect(payload.output).toEqual({ reasons: payload.decision?.reasons });
    const blocked = await blockedOf(envelope.payload.toolCallId);
    expect(blocked.payload.decision.ruleIds).toContain('code.bash_admin_only');
    expect(blocked.payload.request).toEqual(envelope.payload);
  });

  it('asks for approval for a high-risk tool requested by a non-admin', async () => {
    const envelope = request(
      tenantId,
      sessionId,
      'code.execute',
      { language: 'python', code: 'print(1)' },
      {
        principal: { role: 'user', keyId: null },
      },
    );
    await probe.publish(Topics.toolRequests, envelope);
    const blocked = await blockedOf(envelope.payload.toolCallId);
    expect(blocked.payload.decision.outcome).toBe('require_approval');
    expect(blocked.payload.decision.ruleIds).toEqual(['risk.high_needs_approval']);
  });

  it('blocks a tenant without the OpenFGA can_use relation', async () => {
    const stranger = randomUUID();
    const envelope = request(stranger, randomUUID(), 'web.search', { query: 'anything' });
    await probe.publish(Topics.toolRequests, envelope);
    const [result] = await resultOf(envelope.payload.toolCallId);
    const payload = result?.payload as ToolCallFinished;
    expect(payload.status).toBe('blocked');
    const fga = payload.decision?.engines.find((e) => e.engine === 'openfga');
    expect(fga?.outcome).toBe('deny');
    expect(fga?.ruleIds).toEqual(['fga.tenant_can_use']);
    expect(payload.decision?.engines.find((e) => e.engine === 'opa')?.outcome).toBe('allow');
    expect(payload.decision?.reasons.join(' ')).toContain('can_use');
  });

  describe('http.fetch and web.search', () => {
    let server: Server;
    let port = 0;
    let hits = 0;

    beforeAll(async () => {
      server = createServer((_req, res) => {
        hits++;
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(
          '<html><title>Zebra facts</title><body><p>Quagga zebras were hunted to extinction.</p></body></html>',
        );
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
      // The tenant's egress allow-list: set through the API, stored, and loaded into OPA by the gateway. The test
      // server is on loopback, which http.fetch refuses unless the operator opens it for the tenant.
      const put = await api.request('PUT', `/v1/tenants/${tenantId}/policy`, {
        body: { egressHosts: ['127.0.0.1'], allowedCidrs: ['127.0.0.1/32'], allowedPorts: [80, 443, port] },
      });
      expect(put.status).toBe(200);
    });

    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    it('fetches from an allowed host, and web.search then finds the fetched text', async () => {
      const fetchCall = request(tenantId, sessionId, 'http.fetch', { url: `http://127.0.0.1:${port}/zebra` });
      await probe.publish(Topics.toolRequests, fetchCall);
      const [fetched] = await resultOf(fetchCall.payload.toolCallId);
      expect(fetched?.payload.status).toBe('ok');
      expect(fetched?.payload.output).toMatchObject({
        status: 200,
        text: expect.stringContaining('Quagga') as unknown,
      });
      expect(hits).toBe(1);
      const search = request(tenantId, sessionId, 'web.search', { query: 'quagga extinction' });
      await probe.publish(Topics.toolRequests, search);
      const [found] = await resultOf(search.payload.toolCallId);
      const output = found?.payload.output as { engine: string; results: { title: string }[] };
      expect(output.engine).toBe('postgres');
      expect(output.results.map((r) => r.title)).toContain('Zebra facts');
    });

    it('blocks a host that is not on the allow-list, without contacting it', async () => {
      const before = hits;
      const envelope = request(tenantId, sessionId, 'http.fetch', { url: `http://localhost:${port}/zebra` });
      await probe.publish(Topics.toolRequests, envelope);
      const blocked = await blockedOf(envelope.payload.toolCallId);
      expect(blocked.payload.decision.ruleIds).toContain('http.egress_not_allowed');
      expect(hits).toBe(before);
    });

    it('searches ingested documents (POST /v1/documents)', async () => {
      const ingested = await api.request<{ id: string }>('POST', '/v1/documents', {
        body: { title: 'Okapi notes', content: 'The okapi is the closest living relative of the giraffe.' },
      });
      expect(ingested.status).toBe(201);
      const bad = await api.request<{ error: string }>('POST', '/v1/documents', { body: { title: 'x' } });
      expect(bad.status).toBe(400);
      const search = request(tenantId, sessionId, 'web.search', { query: 'okapi giraffe' });
      await probe.publish(Topics.toolRequests, search);
      const [found] = await resultOf(search.payload.toolCallId);
      const output = found?.payload.output as { results: { documentId: string; snippet: string }[] };
      expect(output.results[0]?.documentId).toBe(ingested.body.id);
      expect(output.results[0]?.snippet).toContain('okapi');
    });
  });

  it('keeps memory notes per session: memory.write then memory.search', async () => {
    const write = request(tenantId, sessionId, 'memory.write', { content: 'The user prefers metric units' });
    await probe.publish(Topics.toolRequests, write);
    expect((await resultOf(write.payload.toolCallId))[0]?.payload.status).toBe('ok');
    const otherSession = await api.createSession();
    const search = request(tenantId, sessionId, 'memory.search', { query: 'metric units' });
    const elsewhere = request(tenantId, otherSession, 'memory.search', { query: 'metric units' });
    await probe.publish(Topics.toolRequests, search);
    await probe.publish(Topics.toolRequests, elsewhere);
    const [here] = await resultOf(search.payload.toolCallId);
    const [there] = await resultOf(elsewhere.payload.toolCallId);
    expect((here?.payload.output as { notes: { content: string }[] }).notes.map((n) => n.content)).toContain(
      'The user prefers metric units',
    );
    expect((there?.payload.output as { notes: unknown[] }).notes).toEqual([]);
  });

  it('blocks (transient) and does not run a call while OPA is down, then decides again once it is back', async () => {
    const pid = Number(readFileSync(join(STATE_DIR, 'run', 'opa.pid'), 'utf8').trim());
    process.kill(pid, 'SIGTERM');
    for (
      let i = 0;
      i < 100 &&
      (await fetch(`${opaUrl}/health`).then(
        () => true,
        () => false,
      ));
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const marker = `opa-down-${randomUUID()}`;
    const envelope = request(tenantId, sessionId, 'memory.write', { content: marker });
    try {
      await probe.publish(Topics.toolRequests, envelope);
      const blocked = await blockedOf(envelope.payload.toolCallId);
      expect(blocked.payload.decision.outcome).toBe('deny');
      expect(blocked.payload.decision.transient).toBe(true);
      expect(blocked.payload.decision.ruleIds).toContain('opa.unavailable');
      const [result] = await resultOf(envelope.payload.toolCallId);
      expect(result?.payload.status).toBe('blocked');
      expect(await notesOf(sessionId)).not.toContain(marker);
    } finally {
      execFileSync('bash', [join(ROOT, 'scripts', 'infra', 'infra.sh'), 'up'], { stdio: 'ignore' });
    }
    // Requeue retries the call (same toolCallId, next attempt, with backoff); now that OPA is back it runs, once.
    expect((await fetch(`${opaUrl}/health`)).status).toBe(200);
    await probe.waitFor<ToolCallFinished>(
      (topic, e) =>
        topic === Topics.toolResults &&
        e.payload.toolCallId === envelope.payload.toolCallId &&
        e.payload.status === 'ok',
      60_000,
    );
    const results = await resultOf(envelope.payload.toolCallId);
    expect(results[0]?.payload.status).toBe('blocked');
    expect(new Set(results.filter((r) => r.payload.status === 'ok').map((r) => r.eventId)).size).toBe(1);
    expect((await notesOf(sessionId)).filter((note) => note === marker)).toHaveLength(1);
  });
});
