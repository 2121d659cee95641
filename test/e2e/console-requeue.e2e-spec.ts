import { ApiClient } from '#soma/client';
import { Topics } from '#soma/contracts';
import { randomUUID } from 'node:crypto';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, newTab, screenshot, signIn, textMatching, until } from '../support/browser.js';
import { defaultTenantId } from '../support/db.js';
import { KafkaProbe } from '../support/kafka-probe.js';
import { toolRequest } from '../support/tool-requests.js';

interface Item {
  id: string;
  toolCallId: string;
  status: string;
}

interface Letter {
  id: string;
  reason: string;
  value: string | null;
}

describe('admin console: requeue review in the browser (Chromium)', () => {
  const baseUrl = inject('gatewayUrl');
  const adminKey = inject('adminKey');
  const admin = new ApiClient(baseUrl, adminKey);
  const probe = new KafkaProbe();
  let browser: Browser;
  let inspector: Page;
  let requeue: Page;
  let user: ApiClient;
  let sessionId: string;

  const pendingItem = (toolCallId: string) =>
    until(
      `a pending requeue item for ${toolCallId}`,
      async () => {
        const page = await admin.request<{ items: Item[] }>(
          'GET',
          `/v1/requeue?sessionId=${sessionId}&status=pending&limit=100`,
        );
        return page.body.items.find((item) => item.toolCallId === toolCallId);
      },
      60_000,
    );

  /** Refreshes the requeue page until the blocked call shows. */
  const showItem = async (toolCallId: string) => {
    const article = requeue.getByRole('article', { name: `Blocked call code.execute ${toolCallId}` });
    // Only a settled page counts: a refresh still loading would replace the article under the test's hands.
    const settled = async () => (await requeue.locator('[aria-busy="true"]').count()) === 0;
    await until(`the console to list ${toolCallId}`, async () => {
      if (!(await settled())) return false;
      if ((await article.count()) === 1) return true;
      await requeue.getByRole('button', { name: 'Refresh' }).click();
      return false;
    });
    return article;
  };

  beforeAll(async () => {
    const created = await admin.request<{ key: string }>('POST', '/v1/admin/api-keys', {
      body: { name: `console-user-${randomUUID().slice(0, 6)}`, role: 'user' },
    });
    expect(created.status).toBe(201);
    user = new ApiClient(baseUrl, created.body.key);
    const session = await user.request<{ id: string }>('POST', '/v1/sessions', {
      body: { title: 'console-requeue' },
    });
    sessionId = session.body.id;
    await probe.start([Topics.toolBlocked]);
    browser = await launchBrowser();
    inspector = await newTab(browser);
    requeue = await newTab(browser);
    await signIn(inspector, baseUrl, adminKey);
    await signIn(requeue, baseUrl, adminKey);
  });

  afterAll(async () => {
    await browser.close();
    await probe.stop();
  });

  it('shows a blocked call with its reasons; an override with a reason lets the session continue, streamed', async () => {
    await inspector.goto(`${baseUrl}/console/sessions/${sessionId}`);
    await textMatching(inspector.getByRole('status', { name: 'Stream status' }), /^live/);
    // The user's explicit call of a high-risk tool needs an admin's approval.
    const call = await user.request<{ toolCallId: string }>('POST', `/v1/sessions/${sessionId}/tool-calls`, {
      body: { tool: 'code.execute', arguments: { language: 'python', code: 'print(6 * 7)' } },
    });
    expect(call.status).toBe(202);
    const toolCallId = call.body.toolCallId;
    const events = inspector.getByRole('list', { name: 'Stream events' });
    const liveTurn = inspector.getByRole('region', { name: 'Live turn' });
    const item = await pendingItem(toolCallId);
    await requeue.goto(`${baseUrl}/console/requeue`);
    const article = await showItem(toolCallId);
    expect(
      await article.getByRole('list', { name: 'Reasons' }).getByRole('listitem').count(),
    ).toBeGreaterThan(0);
    await screenshot(requeue, 'requeue-pending');

    // A reason is required: nothing is sent without one.
    await article.getByRole('button', { name: 'Override' }).click();
    await textMatching(article.getByRole('alert'), /reason is required/);
    expect((await admin.request<Item>('GET', `/v1/requeue/${item.id}`)).body.status).toBe('pending');

    await article.getByLabel('Reason', { exact: true }).fill('reviewed in the console: it only prints');
    await article.getByRole('button', { name: 'Override' }).click();
    await textMatching(requeue.getByRole('status'), /^Overridden: code\.execute/);
    await until('the item to leave the pending list', async () => (await article.count()) === 0);
    expect((await admin.request<Item>('GET', `/v1/requeue/${item.id}`)).body.status).toBe('overridden');

    // The inspector watches the approved call run and the continuation turn stream to completion.
    await textMatching(events, /tool\.completed/, 180_000);
    await until(
      'the continuation turn to complete',
      async () => (await liveTurn.getAttribute('data-state')) === 'completed',
      180_000,
    );
    expect(((await inspector.getByLabel('Reply text').textContent()) ?? '').length).toBeGreaterThan(0);
    const row = inspector.getByRole('row', { name: `Tool call code.execute ${toolCallId}` });
    await row.getByText('ok', { exact: true }).waitFor({ timeout: 30_000 });
    const decisions = (await row.getByRole('list', { name: 'Policy decisions' }).textContent()) ?? '';
    expect(decisions).toMatch(/require_approval/);
    expect(decisions).toMatch(/override/);
    await screenshot(inspector, 'inspector-after-override');
    // The sandbox run and a model turn on a shared 2-core machine: the patience of the other streamed tests.
  }, 300_000);

  it('rejects a blocked call with a reason', async () => {
    const blocked = toolRequest(
      await defaultTenantId(),
      sessionId,
      'code.execute',
      { language: 'python', code: 'print(1)' },
      { principal: { role: 'user', keyId: null } },
    );
    await probe.publish(Topics.toolRequests, blocked);
    const item = await pendingItem(blocked.payload.toolCallId);
    const article = await showItem(blocked.payload.toolCallId);
    await article.getByLabel('Reason', { exact: true }).fill('not needed for this session');
    await article.getByRole('button', { name: 'Reject' }).click();
    await textMatching(requeue.getByRole('status'), /^Rejected: code\.execute/);
    expect((await admin.request<Item>('GET', `/v1/requeue/${item.id}`)).body.status).toBe('rejected');
  });

  it('lists dead letters with their reason and shows why one cannot be replayed', async () => {
    const marker = randomUUID();
    await probe.publishRaw(Topics.toolRequests, sessionId, `{"broken": "${marker}"`);
    const letter = await until(
      'the dead letter',
      async () => {
        const page = await admin.request<{ items: Letter[] }>(
          'GET',
          `/v1/dead-letters?sourceTopic=${Topics.toolRequests}&limit=100`,
        );
        return page.body.items.find((l) => l.value?.includes(marker));
      },
      60_000,
    );
    await requeue.getByRole('button', { name: 'Refresh' }).click();
    const article = requeue.getByRole('article', { name: `Dead letter ${letter.id}` });
    await textMatching(article, /MALFORMED_JSON/);
    await article.getByRole('button', { name: 'Replay' }).click();
    await textMatching(article.getByRole('alert'), /DEAD_LETTER_NOT_REPLAYABLE \(HTTP 422\)/);
    await screenshot(requeue, 'requeue-dead-letters');
  });
});
