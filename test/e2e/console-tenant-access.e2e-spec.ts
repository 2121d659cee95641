import { ApiClient } from '#soma/client';
import { randomUUID } from 'node:crypto';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, newTab, screenshot, signIn, textMatching } from '../support/browser.js';

describe('admin console: a user key of another tenant (Chromium)', () => {
  const baseUrl = inject('gatewayUrl');
  const admin = new ApiClient(baseUrl, inject('adminKey'));
  const tag = randomUUID().slice(0, 8);
  let browser: Browser;
  let page: Page;
  let userKey: string;
  let operatorSessionId: string;

  beforeAll(async () => {
    const operatorSession = await admin.request<{ id: string }>('POST', '/v1/sessions', {
      body: { title: `operator-only-${tag}` },
    });
    operatorSessionId = operatorSession.body.id;
    const tenant = await admin.request<{ adminKey: string }>('POST', '/v1/tenants', {
      body: { name: `console-tenant-${tag}` },
    });
    expect(tenant.status).toBe(201);
    const tenantAdmin = new ApiClient(baseUrl, tenant.body.adminKey);
    const created = await tenantAdmin.request<{ key: string }>('POST', '/v1/admin/api-keys', {
      body: { name: 'console-user', role: 'user' },
    });
    expect(created.status).toBe(201);
    userKey = created.body.key;
    const user = new ApiClient(baseUrl, userKey);
    expect(
      (await user.request('POST', '/v1/sessions', { body: { title: `tenant-own-${tag}` } })).status,
    ).toBe(201);
    browser = await launchBrowser();
    page = await newTab(browser);
  });

  afterAll(async () => {
    await browser.close();
  });

  it("sees only its own tenant's sessions", async () => {
    await signIn(page, baseUrl, userKey);
    expect(await page.getByLabel('Signed in as').textContent()).toMatch(/^user · tenant/);
    await page.getByRole('link', { name: `tenant-own-${tag}` }).waitFor();
    expect(await page.getByRole('link', { name: `operator-only-${tag}` }).count()).toBe(0);
    expect(await page.getByRole('table').getByRole('link').count()).toBe(1);
    await screenshot(page, 'user-sessions');

    await page.goto(`${baseUrl}/console/sessions/${operatorSessionId}`);
    await textMatching(page.getByRole('alert'), /SESSION_NOT_FOUND \(HTTP 404\)/);
  });

  it('is refused by the admin pages with a clear message, and cannot edit model profiles', async () => {
    for (const [path, heading] of [
      ['requeue', 'Requeue'],
      ['policy', 'Policy status'],
    ] as const) {
      await page.goto(`${baseUrl}/console/${path}`);
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      await textMatching(
        page.getByRole('alert'),
        /ADMIN_ROLE_REQUIRED: .* needs an admin key\. You are signed in with a user key\./,
      );
      await screenshot(page, `user-refused-${path}`);
    }
    // The API refuses it too: the console's message is not the only guard.
    const policy = await new ApiClient(baseUrl, userKey).request<{ error: string }>(
      'GET',
      '/v1/policy/status',
    );
    expect([policy.status, policy.body.error]).toEqual([403, 'ADMIN_ROLE_REQUIRED']);

    await page.goto(`${baseUrl}/console/profiles`);
    await page.getByRole('table', { name: /Model profiles/ }).waitFor();
    await textMatching(page.getByRole('alert'), /editing model profiles needs an operator admin key/);
    expect(await page.getByRole('button', { name: 'New profile' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Edit / }).count()).toBe(0);
  });
});
