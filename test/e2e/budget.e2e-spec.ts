import { ApiClient, SseStream } from '#soma/client';
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { payload, terminalOf } from '../support/events.js';

interface Usage {
  usedToday: number;
  dailyTokenBudget: number;
  total: { promptTokens: number; completionTokens: number; totalTokens: number; turns: number };
  items: { sessionId: string; totalTokens: number }[];
}

describe('token budgets', () => {
  const baseUrl = inject('gatewayUrl');
  const operator = new ApiClient(baseUrl, inject('adminKey'));

  it('a tenant with a tiny budget: the turn ends BUDGET_EXCEEDED, the next POST gets 429, the ledger matches', async () => {
    const tenant = await operator.request<{ id: string; adminKey: string }>('POST', '/v1/tenants', {
      body: { name: `budget-${randomUUID().slice(0, 8)}` },
    });
    expect(tenant.status).toBe(201);
    const budget = await operator.request('PUT', `/v1/tenants/${tenant.body.id}/budget`, {
      body: { dailyTokenBudget: 50 },
    });
    expect(budget.status).toBe(200);

    const api = new ApiClient(baseUrl, tenant.body.adminKey);
    const sessionId = await api.createSession();
    const stream = new SseStream(`${baseUrl}/v1/sessions/${sessionId}/events`, {
      authorization: `Bearer ${tenant.body.adminKey}`,
    });
    const { turnId } = await api.postMessage(sessionId, 'Tell me a long story about a dragon.');
    const events = await stream.waitFor(terminalOf(turnId), 120_000);
    stream.close();
    const terminal = events.find((e) => e.event === 'turn.failed' || e.event === 'turn.completed');
    expect(terminal?.event).toBe('turn.failed');
    const failed = payload<{
      code: string;
      usage: { promptTokens: number; completionTokens: number; totalTokens: number };
    }>(terminal as NonNullable<typeof terminal>);
    expect(failed.code).toBe('BUDGET_EXCEEDED');
    const streamed = events.filter((e) => e.event === 'token');
    expect(streamed.length).toBeGreaterThan(0);
    expect(failed.usage.completionTokens).toBeGreaterThan(0);
    expect(failed.usage.totalTokens).toBe(50);

    const usage = (await api.request<Usage>('GET', '/v1/usage')).body;
    expect(usage.dailyTokenBudget).toBe(50);
    expect(usage.usedToday).toBe(50);
    expect(usage.total).toMatchObject({
      promptTokens: failed.usage.promptTokens,
      completionTokens: failed.usage.completionTokens,
      totalTokens: 50,
      turns: 1,
    });
    expect(usage.items).toEqual([expect.objectContaining({ sessionId, totalTokens: 50 })]);

    const refused = await api.request<{ error: string }>('POST', `/v1/sessions/${sessionId}/messages`, {
      body: { content: 'And another one?' },
    });
    expect(refused.status).toBe(429);
    expect(refused.body.error).toBe('BUDGET_EXCEEDED');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const messages = await api.messages(sessionId);
    expect(messages.map((m) => m.role)).toEqual(['user']);
  });

  it('only operator admins manage tenants and budgets', async () => {
    const tenant = await operator.request<{ id: string; adminKey: string }>('POST', '/v1/tenants', {
      body: { name: `other-${randomUUID().slice(0, 8)}` },
    });
    const tenantAdmin = new ApiClient(baseUrl, tenant.body.adminKey);
    const raise = await tenantAdmin.request<{ error: string }>(
      'PUT',
      `/v1/tenants/${tenant.body.id}/budget`,
      {
        body: { dailyTokenBudget: 10_000_000 },
      },
    );
    expect(raise.status).toBe(403);
    expect(raise.body.error).toBe('OPERATOR_REQUIRED');
    const bad = await operator.request<{ fields: { field: string }[] }>(
      'PUT',
      `/v1/tenants/${tenant.body.id}/budget`,
      {
        body: { dailyTokenBudget: -5 },
      },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.fields.map((f) => f.field)).toEqual(['dailyTokenBudget']);
  });
});
