import { Topics } from '#soma/contracts';
import { ApiClient, type Page } from '#soma/client';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { drainSessions, sessionWithProfile } from '../support/sessions.js';
import { defaultTenantId } from '../support/db.js';
import { KafkaProbe } from '../support/kafka-probe.js';
import { createTenant } from '../support/tenants.js';
import { toolRequest } from '../support/tool-requests.js';

interface Row {
  id?: string;
  toolCallId?: string;
  sessionId?: string;
  tool?: string;
}
interface ErrorBody {
  error: string;
  fields?: { field: string; errors: string[] }[];
}

const keyOf = (row: Row): string => row.id ?? row.toolCallId ?? row.sessionId ?? row.tool ?? '';

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** One page; fails the test on anything but 200. */
async function pageOf<T extends Row>(
  api: ApiClient,
  path: string,
  cursor?: string,
  limit?: number,
): Promise<Page<T>> {
  const params = new URLSearchParams();
  if (limit !== undefined) params.set('limit', String(limit));
  if (cursor !== undefined) params.set('cursor', cursor);
  const response = await api.request<Page<T>>(
    'GET',
    `${path}${path.includes('?') ? '&' : '?'}${params.toString()}`,
  );
  if (response.status !== 200)
    throw new Error(`${path}: ${response.status} ${JSON.stringify(response.body)}`);
  expect(Object.keys(response.body).sort()).toEqual(expect.arrayContaining(['items', 'next']));
  return response.body;
}

/** Every page at `limit`: each page full but the last, whose next is null. */
async function walk(
  api: ApiClient,
  path: string,
  limit: number,
  start?: string,
): Promise<{ rows: Row[]; pages: number }> {
  const rows: Row[] = [];
  let cursor = start;
  for (let pages = 1; ; pages++) {
    const page = await pageOf(api, path, cursor, limit);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    rows.push(...page.items);
    if (page.next === null) return { rows, pages };
    expect(page.items).toHaveLength(limit);
    cursor = page.next;
  }
}

/** Paging at a small limit gives every row exactly once, in the order one big page gives them. */
async function expectSamePaged(api: ApiClient, path: string, limit: number, max = 200): Promise<Row[]> {
  const whole = await pageOf(api, path, undefined, max);
  expect(whole.next).toBeNull();
  const { rows, pages } = await walk(api, path, limit);
  expect(rows.map(keyOf)).toEqual(whole.items.map(keyOf));
  expect(new Set(rows.map(keyOf)).size).toBe(rows.length);
  // The handler reads one row past the page: a list that ends on a full page still says next: null.
  expect(pages).toBe(Math.max(1, Math.ceil(rows.length / limit)));
  return rows;
}

async function expectBad(api: ApiClient, path: string, code: string, field: string): Promise<void> {
  const response = await api.request<ErrorBody>('GET', path);
  expect(response.status, `${path}: ${JSON.stringify(response.body)}`).toBe(400);
  expect(response.body.error).toBe(code);
  expect(response.body.fields?.map((f) => f.field)).toContain(field);
}

describe('lists: cursor pagination with { items, next } (real services)', () => {
  const operator = new ApiClient(inject('gatewayUrl'), inject('adminKey'));
  const probe = new KafkaProbe();
  let tenant: ApiClient;
  let chat: string;
  let other: string;
  let blockedSession: string;
  const sessions: string[] = [];

  beforeAll(async () => {
    await probe.start([Topics.toolResults]);
    tenant = new ApiClient(inject('gatewayUrl'), (await createTenant('pages')).adminKey);
    // Two sessions of a fresh tenant with short turns: three queued in one, one in the other.
    const profile = { name: 'pages', maxTokens: 2 };
    ({ sessionId: chat } = await sessionWithProfile(operator, profile, tenant));
    ({ sessionId: other } = await sessionWithProfile(operator, profile, tenant));
    for (const content of ['one', 'two', 'three']) {
      const accepted = await tenant.request('POST', `/v1/sessions/${chat}/messages`, {
        body: { content, ifBusy: 'enqueue' },
      });
      expect(accepted.status).toBe(202);
    }
    expect(
      (await tenant.request('POST', `/v1/sessions/${other}/messages`, { body: { content: 'hi' } })).status,
    ).toBe(202);
    for (let i = 0; i < 3; i++) {
      const created = await tenant.request<{ id: string }>('POST', '/v1/sessions', {
        body: { title: `page ${i}` },
      });
      sessions.push(created.body.id);
    }
    await drainSessions(tenant, [chat, other], 300_000);
  });

  afterAll(async () => {
    await drainSessions(operator, [blockedSession].filter(Boolean), 300_000);
    await probe.stop();
  });

  it('sessions: every row once, newest first; a session created between pages is neither repeated nor skipping older ones', async () => {
    const rows = await expectSamePaged(tenant, '/v1/sessions', 2);
    expect(rows).toHaveLength(5);
    const first = await pageOf(tenant, '/v1/sessions', undefined, 2);
    const inserted = await tenant.request<{ id: string }>('POST', '/v1/sessions', {
      body: { title: 'late' },
    });
    const rest = await walk(tenant, '/v1/sessions', 2, first.next ?? undefined);
    const seen = [...first.items, ...rest.rows].map(keyOf);
    expect(seen).toEqual(rows.map(keyOf));
    expect(seen).not.toContain(inserted.body.id);
    // Filters still apply, and the last page says so.
    const titled = await pageOf(tenant, '/v1/sessions?title=page', undefined, 3);
    expect(titled.items).toHaveLength(3);
    expect(titled.next).toBeNull();
  });

  it('messages and turns: conversation order, every row once; a turn added between pages comes at the end', async () => {
    const messages = await expectSamePaged(tenant, `/v1/sessions/${chat}/messages`, 2);
    expect(messages.length).toBeGreaterThanOrEqual(6);
    const turns = await expectSamePaged(tenant, `/v1/sessions/${chat}/turns`, 1, 50);
    expect(turns).toHaveLength(3);

    const first = await pageOf(tenant, `/v1/sessions/${chat}/messages`, undefined, 2);
    const added = await tenant.request<{ messageId: string }>('POST', `/v1/sessions/${chat}/messages`, {
      body: { content: 'four' },
    });
    expect(added.status).toBe(202);
    await drainSessions(tenant, [chat], 300_000);
    const rest = await walk(tenant, `/v1/sessions/${chat}/messages`, 2, first.next ?? undefined);
    const seen = [...first.items, ...rest.rows].map(keyOf);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(0, messages.length)).toEqual(messages.map(keyOf));
    expect(seen).toContain(added.body.messageId);
  });

  it('usage: sessions a page at a time, the totals over all of them', async () => {
    const rows = await expectSamePaged(tenant, '/v1/usage', 1);
    expect(rows.map((r) => r.sessionId).sort()).toEqual([chat, other].sort());
    const page = await tenant.request<Page<{ turns: number }> & { total: { turns: number } }>(
      'GET',
      '/v1/usage?limit=1',
    );
    expect(page.body.items).toHaveLength(1);
    expect(page.body.total.turns).toBe(5);
    const one = await tenant.request<Page<Row>>('GET', `/v1/usage?sessionId=${other}`);
    expect(one.body.items.map((r) => r.sessionId)).toEqual([other]);
    expect(one.body.next).toBeNull();
  });

  it('api keys, model profiles and tenant tools page the same way', async () => {
    for (const name of ['a', 'b', 'c'])
      expect(
        (await tenant.request('POST', '/v1/admin/api-keys', { body: { name, role: 'user' } })).status,
      ).toBe(201);
    expect(await expectSamePaged(tenant, '/v1/admin/api-keys', 2)).toHaveLength(4);
    await expectSamePaged(operator, '/v1/model-profiles', 2);
    const tenantId = await defaultTenantId();
    await expectSamePaged(operator, `/v1/tenants/${tenantId}/tools`, 1);
  });

  it('tool calls, requeue items, audit events and dead letters page the same way', async () => {
    const tenantId = await defaultTenantId();
    ({ sessionId: blockedSession } = await sessionWithProfile(operator, {
      name: 'pages-tools',
      maxTokens: 2,
    }));
    // Three calls that need approval (code.execute from a user): each is a tool call and a pending requeue item.
    const calls = [1, 2, 3].map(() =>
      toolRequest(
        tenantId,
        blockedSession,
        'code.execute',
        { language: 'python', code: 'print(1)' },
        {
          principal: { role: 'user', keyId: null },
        },
      ),
    );
    for (const call of calls) await probe.publish(Topics.toolRequests, call);
    const items = await until('three pending items', async () => {
      const page = await pageOf<Row>(operator, `/v1/requeue?sessionId=${blockedSession}&status=pending`);
      return page.items.length === 3 ? page.items : undefined;
    });
    const toolCalls = await expectSamePaged(operator, `/v1/sessions/${blockedSession}/tool-calls`, 2, 50);
    expect(toolCalls.map(keyOf).sort()).toEqual(calls.map((c) => c.payload.toolCallId).sort());
    await expectSamePaged(operator, `/v1/requeue?sessionId=${blockedSession}`, 2);
    for (const item of items)
      expect(
        (
          await operator.request('POST', `/v1/requeue/${item.id ?? ''}/reject`, {
            body: { reason: 'paging' },
          })
        ).status,
      ).toBe(200);
    const audit = await expectSamePaged(
      operator,
      `/v1/audit-events?action=requeue.rejected&tenantId=${tenantId}`,
      2,
    );
    expect(audit.length).toBeGreaterThanOrEqual(3);
    // Dead letters: three malformed messages, then the operator's list filtered to them.
    const marker = randomUUID();
    for (let i = 0; i < 3; i++) await probe.publishRaw(Topics.toolBlocked, marker, `not json ${marker} ${i}`);
    const letters = `/v1/dead-letters?sourceTopic=${Topics.toolBlocked}&reason=MALFORMED_JSON`;
    await until('three dead letters', async () => {
      const page = await pageOf<Row & { value: string | null }>(operator, letters);
      return page.items.filter((l) => l.value?.includes(marker)).length === 3 ? true : undefined;
    });
    await expectSamePaged(operator, letters, 2);
  });

  it('refuses a limit out of range or not an integer, naming it', async () => {
    for (const path of [
      '/v1/sessions',
      `/v1/sessions/${chat}/messages`,
      '/v1/usage',
      '/v1/admin/api-keys',
      '/v1/webhooks',
    ])
      for (const limit of ['0', '201', 'abc', '-1', '1.5', '1e2'])
        await expectBad(tenant, `${path}?limit=${limit}`, 'VALIDATION_FAILED', 'limit');
    // Turns and tool calls carry large items: at most 50 a page.
    await expectBad(tenant, `/v1/sessions/${chat}/turns?limit=51`, 'VALIDATION_FAILED', 'limit');
    await expectBad(tenant, `/v1/sessions/${chat}/tool-calls?limit=51`, 'VALIDATION_FAILED', 'limit');
    expect((await tenant.request('GET', `/v1/sessions/${chat}/turns?limit=50`)).status).toBe(200);
    // offset is gone: an unknown parameter.
    await expectBad(tenant, '/v1/sessions?offset=2', 'VALIDATION_FAILED', 'offset');
  });

  it('refuses a garbage, tampered, foreign-tenant or foreign-list cursor with CURSOR_INVALID', async () => {
    const sessionsPage = await pageOf(tenant, '/v1/sessions', undefined, 1);
    const cursor = sessionsPage.next ?? '';
    expect(cursor).not.toBe('');
    const [payload = '', mac = ''] = cursor.split('.');
    const flipped = `${payload.slice(0, -1)}${payload.endsWith('A') ? 'B' : 'A'}.${mac}`;
    const forged = `${Buffer.from(JSON.stringify(['2999-01-01 00:00:00+00', randomUUID()])).toString('base64url')}.${mac}`;
    for (const bad of [
      'garbage',
      'a.b',
      `${payload}.`,
      flipped,
      forged,
      `${cursor}.x`,
      '%00',
      'x'.repeat(1024),
    ])
      await expectBad(tenant, `/v1/sessions?cursor=${encodeURIComponent(bad)}`, 'CURSOR_INVALID', 'cursor');
    // Another tenant's list, another session's list, another kind of list.
    await expectBad(
      operator,
      `/v1/sessions?cursor=${encodeURIComponent(cursor)}`,
      'CURSOR_INVALID',
      'cursor',
    );
    const messages = await pageOf(tenant, `/v1/sessions/${chat}/messages`, undefined, 1);
    const messageCursor = encodeURIComponent(messages.next ?? '');
    await expectBad(
      tenant,
      `/v1/sessions/${other}/messages?cursor=${messageCursor}`,
      'CURSOR_INVALID',
      'cursor',
    );
    await expectBad(tenant, `/v1/sessions/${chat}/turns?cursor=${messageCursor}`, 'CURSOR_INVALID', 'cursor');
    await expectBad(
      tenant,
      `/v1/admin/api-keys?cursor=${encodeURIComponent(cursor)}`,
      'CURSOR_INVALID',
      'cursor',
    );
    // The same cursor on its own list still works.
    expect((await tenant.request('GET', `/v1/sessions?cursor=${encodeURIComponent(cursor)}`)).status).toBe(
      200,
    );
  });

  it('documents every list as { items, next: string | null } with bounded limits in OpenAPI', async () => {
    const doc = await operator.request<{
      paths: Record<
        string,
        {
          get?: {
            parameters?: {
              name: string;
              schema?: { minimum?: number; maximum?: number; default?: number };
            }[];
            responses: Record<string, { content?: { 'application/json': { schema: { $ref?: string } } } }>;
          };
        }
      >;
      components: {
        schemas: Record<
          string,
          { properties?: Record<string, { type?: string; nullable?: boolean; items?: unknown }> }
        >;
      };
    }>('GET', '/docs-json');
    expect(doc.status).toBe(200);
    const lists = [
      '/v1/sessions',
      '/v1/sessions/{id}/messages',
      '/v1/sessions/{id}/turns',
      '/v1/sessions/{id}/tool-calls',
      '/v1/sessions/{id}/approvals',
      '/v1/admin/api-keys',
      '/v1/model-profiles',
      '/v1/webhooks',
      '/v1/webhooks/{id}/deliveries',
      '/v1/requeue',
      '/v1/audit-events',
      '/v1/dead-letters',
      '/v1/tenants/{id}/tools',
    ];
    for (const path of lists) {
      const get = doc.body.paths[path]?.get;
      expect(get, path).toBeDefined();
      const limit = get?.parameters?.find((p) => p.name === 'limit');
      const heavy = path.endsWith('/turns') || path.endsWith('/tool-calls');
      expect(limit?.schema, path).toMatchObject({
        minimum: 1,
        maximum: heavy ? 50 : 200,
        default: heavy ? 20 : 50,
      });
      expect(
        get?.parameters?.some((p) => p.name === 'cursor'),
        path,
      ).toBe(true);
      expect(
        get?.parameters?.some((p) => p.name === 'offset'),
        path,
      ).toBe(false);
      expect(get?.responses['400'], path).toBeDefined();
      const ref = get?.responses['200']?.content?.['application/json'].schema.$ref ?? '';
      const schema = doc.body.components.schemas[ref.split('/').pop() ?? ''];
      expect(schema?.properties?.next, path).toMatchObject({ type: 'string', nullable: true });
      expect(schema?.properties?.items, path).toMatchObject({ type: 'array' });
    }
  });
});
