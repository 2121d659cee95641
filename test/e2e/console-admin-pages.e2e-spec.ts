import { ApiClient } from '#soma/client';
import { randomUUID } from 'node:crypto';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, newTab, screenshot, signIn, textMatching, until } from '../support/browser.js';

interface Profile {
  id: string;
  name: string;
  temperature: number;
  maxTokens: number | null;
  systemPrompt: string | null;
  tools: string[];
  toolChoice: string;
}

describe('admin console: model profiles and policy status (Chromium)', () => {
  const baseUrl = inject('gatewayUrl');
  const adminKey = inject('adminKey');
  const admin = new ApiClient(baseUrl, adminKey);
  const name = `console-profile-${randomUUID().slice(0, 8)}`;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser();
    page = await newTab(browser);
    await signIn(page, baseUrl, adminKey);
  });

  afterAll(async () => {
    await browser.close();
  });

  it('creates a model profile, shows a validation error, edits it, and the API has the edit', async () => {
    await page
      .getByRole('navigation', { name: 'Console' })
      .getByRole('link', { name: 'Model profiles' })
      .click();
    await page.getByRole('button', { name: 'New profile' }).click();
    const form = page.getByRole('form', { name: 'New model profile' });
    await form.getByLabel('Name', { exact: true }).fill('Not A Valid Name');
    await form.getByRole('button', { name: 'Create profile' }).click();
    await textMatching(form.getByRole('alert'), /VALIDATION_FAILED \(HTTP 400\).*name/);

    await form.getByLabel('Name', { exact: true }).fill(name);
    await form.getByLabel('Temperature').fill('0.5');
    await form.getByRole('checkbox', { name: 'code.execute' }).check();
    await form.getByRole('button', { name: 'Create profile' }).click();
    await textMatching(page.getByRole('status'), new RegExp(`Saved model profile ${name}`));
    const row = page.getByRole('row', { name: `Model profile ${name}` });
    await textMatching(row, /code\.execute \(auto\)/);

    await row.getByRole('button', { name: `Edit ${name}` }).click();
    const edit = page.getByRole('form', { name: `Edit model profile ${name}` });
    expect(await edit.getByLabel('Temperature').inputValue()).toBe('0.5');
    await edit.getByLabel('Temperature').fill('1.1');
    await edit.getByLabel('Max tokens').fill('64');
    await edit.getByLabel('System prompt').fill('You answer briefly.');
    await edit.getByLabel('Tool choice').selectOption('required');
    await screenshot(page, 'profile-edit');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await textMatching(page.getByRole('status'), new RegExp(`Saved model profile ${name}`));
    await textMatching(row, /code\.execute \(required\)/);

    const saved = await admin.request<Profile>('GET', `/v1/model-profiles/${name}`);
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({
      name,
      temperature: 1.1,
      maxTokens: 64,
      systemPrompt: 'You answer briefly.',
      tools: ['code.execute'],
      toolChoice: 'required',
    });
    await screenshot(page, 'profiles');
  });

  it('shows the policy engines healthy, the mode, decision totals and the tables', async () => {
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Policy' }).click();
    await textMatching(page.getByLabel('Policy mode'), /Mode: (enforcing|canary)/);
    const status = await admin.request<{ mode: string }>('GET', '/v1/policy/status');
    expect(await page.getByLabel('Policy mode').textContent()).toBe(`Mode: ${status.body.mode}`);
    await textMatching(page.getByRole('row', { name: 'OPA health' }), /healthy\d+ ms/);
    await textMatching(page.getByRole('row', { name: 'OpenFGA health' }), /healthy\d+ ms/);
    await textMatching(page.getByLabel('Decision totals'), /Last \d+ h: \d+ decisions/);
    for (const caption of ['Policy engines', 'Denials by rule', 'Recent decisions']) {
      await page.getByRole('table', { name: caption }).waitFor();
    }
    await page.getByRole('button', { name: 'Refresh' }).click();
    await until('the refreshed status', async () => (await page.getByLabel('Policy mode').count()) === 1);
    await screenshot(page, 'policy');
  });
});
