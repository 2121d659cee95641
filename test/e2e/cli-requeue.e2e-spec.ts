import { ApiClient, type Page, type RequeueItemView, type ToolCallView } from '#soma/client';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { jsonOf, runCli } from '../support/cli.js';
import { sleep } from '../support/events.js';

describe('soma requeue list/override/reject (admin)', () => {
  const baseUrl = inject('gatewayUrl');
  const adminKey = inject('adminKey');
  const admin = new ApiClient(baseUrl, adminKey);
  const asAdmin = { SOMA_API_KEY: adminKey, SOMA_URL: baseUrl };
  let sessionId: string;
  let user: ApiClient;
  const callIds: string[] = [];

  const pendingItems = async (): Promise<RequeueItemView[]> => {
    for (let i = 0; i < 150; i++) {
      const page = await admin.request<Page<RequeueItemView>>(
        'GET',
        `/v1/requeue?sessionId=${sessionId}&status=pending&limit=100`,
      );
      const items = page.body.items.filter((item) => callIds.includes(item.toolCallId));
      if (items.length === callIds.length) return items;
      await sleep(200);
    }
    throw new Error('the blocked calls never became pending requeue items');
  };

  beforeAll(async () => {
    const created = await admin.request<{ key: string }>('POST', '/v1/admin/api-keys', {
      body: { name: `cli-requeue-${randomUUID().slice(0, 6)}`, role: 'user' },
    });
    expect(created.status).toBe(201);
    user = new ApiClient(baseUrl, created.body.key);
    sessionId = await user.createSession();
    // A user's call to a high-risk tool needs approval: each lands in requeue as a pending item.
    for (const n of [6, 7]) {
      const call = await user.request<{ toolCallId: string }>(
        'POST',
        `/v1/sessions/${sessionId}/tool-calls`,
        {
          body: { tool: 'code.execute', arguments: { language: 'python', code: `print(${n} * 7)` } },
        },
      );
      expect(call.status).toBe(202);
      callIds.push(call.body.toolCallId);
    }
    await pendingItems();
  });

  it('lists pending items with their decision and reasons, as JSON and as a table', async () => {
    const page = jsonOf<Page<RequeueItemView>>(
      await runCli(['requeue', 'list', '--status', 'pending', '--session', sessionId, '--json'], asAdmin),
    );
    expect(page.items.map((i) => i.toolCallId).sort()).toEqual([...callIds].sort());
    for (const item of page.items) {
      expect(item).toMatchObject({ status: 'pending', tool: 'code.execute', sessionId });
      expect(item.reasons.length).toBeGreaterThan(0);
      expect(typeof item.decision.outcome).toBe('string');
    }
    const table = await runCli(
      ['requeue', 'list', '--session', sessionId, '--tool', 'code.execute'],
      asAdmin,
    );
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+STATUS\s+TOOL/);
    for (const item of page.items) expect(table.stdout).toContain(item.id);
    expect(table.stdout).toContain('2 shown');
  });

  it('override needs a reason, runs the call once, and cannot be repeated; reject ends the other', async () => {
    const items = await pendingItems();
    const first = items.find((i) => i.toolCallId === callIds[0]) as RequeueItemView;
    const second = items.find((i) => i.toolCallId === callIds[1]) as RequeueItemView;

    for (const args of [[], ['--reason', '  ']]) {
      const refused = await runCli(['requeue', 'override', first.id, ...args], asAdmin);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('--reason <text> is required');
    }
    const overridden = jsonOf<{ id: string; status: string; toolCallId: string }>(
      await runCli(
        ['requeue', 'override', first.id, '--reason', 'reviewed: prints a number', '--json'],
        asAdmin,
      ),
    );
    expect(overridden).toMatchObject({ id: first.id, status: 'overridden', toolCallId: first.toolCallId });
    const again = await runCli(['requeue', 'override', first.id, '--reason', 'twice'], asAdmin);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/\(HTTP 409\)/);

    const rejected = await runCli(['requeue', 'reject', second.id, '--reason', 'not needed'], asAdmin);
    expect(rejected.code).toBe(0);
    expect(rejected.stdout).toContain(`${second.id} rejected`);

    const missing = await runCli(['requeue', 'reject', randomUUID(), '--reason', 'x'], asAdmin);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('REQUEUE_ITEM_NOT_FOUND');

    const resolved = jsonOf<Page<RequeueItemView>>(
      await runCli(['requeue', 'list', '--session', sessionId, '--json'], asAdmin),
    );
    expect(Object.fromEntries(resolved.items.map((i) => [i.id, i.status]))).toEqual({
      [first.id]: 'overridden',
      [second.id]: 'rejected',
    });
    // The overridden call ran (once); the rejected one never did.
    let calls: ToolCallView[] = [];
    for (let i = 0; i < 150; i++) {
      calls = (await user.request<Page<ToolCallView>>('GET', `/v1/sessions/${sessionId}/tool-calls`)).body
        .items;
      if (calls.find((c) => c.toolCallId === first.toolCallId)?.status === 'ok') break;
      await sleep(200);
    }
    expect(calls.find((c) => c.toolCallId === first.toolCallId)?.status).toBe('ok');
    expect(calls.find((c) => c.toolCallId === second.toolCallId)?.status).toBe('blocked');
  });
});
