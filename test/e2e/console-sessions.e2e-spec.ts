import { ApiClient, type Page as ApiPage } from '#soma/client';
import { randomUUID } from 'node:crypto';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, newTab, screenshot, signIn, textMatching, until } from '../support/browser.js';
import { sessionWithProfile } from '../support/sessions.js';

interface Snapshot {
  length: number;
  state: string;
}

/** Records the live turn's reply length and state at every DOM change, so progress can be checked afterwards. */
const RECORD_LIVE_TURN = `(() => {
  const region = document.querySelector('[aria-label="Live turn"]');
  const reply = region.querySelector('[aria-label="Reply text"]');
  window.__liveTurn = [];
  new MutationObserver(() => {
    window.__liveTurn.push({ length: (reply.textContent || '').length, state: region.dataset.state || '' });
  }).observe(region, { subtree: true, childList: true, characterData: true, attributes: true });
})()`;

describe('admin console: sign-in, sessions and the live inspector (Chromium)', () => {
  const baseUrl = inject('gatewayUrl');
  const adminKey = inject('adminKey');
  const admin = new ApiClient(baseUrl, adminKey);
  const tag = randomUUID().slice(0, 8);
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser();
    page = await newTab(browser);
  });

  afterAll(async () => {
    await browser.close();
  });

  it('refuses a wrong key with the API error, then signs in with an admin key', async () => {
    await page.goto(`${baseUrl}/console/sessions`);
    await page.getByLabel('API key').fill('soma_not_a_real_key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await textMatching(page.getByRole('alert'), /API_KEY_INVALID/);
    await screenshot(page, 'sign-in-refused');

    await signIn(page, baseUrl, adminKey);
    expect(await page.getByLabel('Signed in as').textContent()).toMatch(/^admin \(operator\)/);
    await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
  });

  it('lists sessions and filters them by title, model profile and creation time', async () => {
    const alpha = `console-alpha-${tag}`;
    const beta = `console-beta-${tag}`;
    for (const title of [alpha, beta]) {
      expect((await admin.request('POST', '/v1/sessions', { body: { title } })).status).toBe(201);
    }
    const profiled = await sessionWithProfile(admin, { name: 'console-filter' });

    await page.getByLabel('Title', { exact: true }).fill(`console-alpha-${tag}`);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('link', { name: alpha }).waitFor();
    expect(await page.getByRole('link', { name: beta }).count()).toBe(0);
    expect(new URL(page.url()).searchParams.get('title')).toBe(alpha);

    await page.getByRole('link', { name: 'Clear' }).click();
    await page.getByLabel('Model profile', { exact: true }).selectOption({ label: profiled.profileName });
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await until('only the profile’s session', async () => {
      const rows = await page.getByRole('table').getByRole('row').count();
      const cell = await page.getByRole('cell', { name: profiled.profileName }).count();
      return rows === 2 && cell === 1;
    });

    await page.getByRole('link', { name: 'Clear' }).click();
    await page.getByLabel('Created after').fill('2099-01-01T00:00');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('cell', { name: 'No sessions match.' }).waitFor();

    await page.getByRole('link', { name: 'Clear' }).click();
    await page.getByLabel('Title', { exact: true }).fill(tag);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('link', { name: beta }).waitFor();
    await screenshot(page, 'sessions');
  });

  it('opens a session, sends a message and shows the reply streaming in, then the completed turn', async () => {
    await page.getByRole('link', { name: `console-alpha-${tag}` }).click();
    await page.getByRole('heading', { name: `console-alpha-${tag}`, level: 1 }).waitFor();
    await textMatching(page.getByRole('status', { name: 'Stream status' }), /^live/);
    await page.evaluate(RECORD_LIVE_TURN);

    await page
      .getByLabel('Message', { exact: true })
      .fill('Hello! Tell me a short story about a lighthouse.');
    await page.getByRole('button', { name: 'Send' }).click();
    await textMatching(page.getByRole('status').filter({ hasText: 'Accepted' }), /Accepted: turn/);

    const liveTurn = page.getByRole('region', { name: 'Live turn' });
    await until(
      'the live turn to complete',
      async () => (await liveTurn.getAttribute('data-state')) === 'completed',
      180_000,
    );
    const snapshots = await page.evaluate<Snapshot[]>('window.__liveTurn');
    const final = snapshots.at(-1);
    expect(final?.state).toBe('completed');
    expect(final?.length ?? 0).toBeGreaterThan(0);
    // Progressive: the reply was on screen in several growing pieces while the turn was still streaming.
    const streaming = snapshots.filter((s) => s.state === 'streaming' && s.length > 0).map((s) => s.length);
    expect(new Set(streaming).size).toBeGreaterThanOrEqual(3);
    expect(streaming).toEqual([...streaming].sort((a, b) => a - b));
    expect(Math.min(...streaming)).toBeLessThan(final?.length ?? 0);
    const events = page.getByRole('list', { name: 'Stream events' });
    await textMatching(events, /turn\.started[\s\S]*turn\.completed/);

    // The history: the turn with usage, the classified user message, the assistant reply, the context sent.
    const turn = page.getByRole('article', { name: 'Turn 1' });
    await textMatching(turn.getByLabel('Token usage'), /total \d+ tokens/, 30_000);
    expect(await turn.getByText('completed', { exact: true }).count()).toBe(1);
    await textMatching(turn.getByLabel('Classification'), /intent \w+|unclassified/);
    expect(await turn.getByRole('listitem', { name: 'assistant message' }).count()).toBe(1);
    await turn.getByText(/^Context sent: \d+ messages/).click();
    const context = turn.getByRole('list', { name: 'Context messages' });
    await context.waitFor();
    expect(await context.getByRole('listitem').count()).toBeGreaterThanOrEqual(2);
    await screenshot(page, 'inspector-live-turn');
    // A model turn on a shared 2-core machine: the same patience as the other streamed-turn tests.
  }, 240_000);

  it('stops a streaming turn with the Stop button: the turn ends cancelled, its partial reply kept', async () => {
    const { sessionId } = await sessionWithProfile(admin, { name: 'console-stop', maxTokens: 400 });
    await page.goto(`${baseUrl}/console/sessions/${sessionId}`);
    await textMatching(page.getByRole('status', { name: 'Stream status' }), /^live/);
    await page
      .getByLabel('Message', { exact: true })
      .fill('Tell me a very long story about a lighthouse keeper.');
    await page.getByRole('button', { name: 'Send' }).click();
    const liveTurn = page.getByRole('region', { name: 'Live turn' });
    const stop = liveTurn.getByRole('button', { name: 'Stop' });
    await stop.waitFor({ timeout: 120_000 });
    await stop.click();
    await until(
      'the live turn to be cancelled',
      async () => (await liveTurn.getAttribute('data-state')) === 'cancelled',
      30_000,
    );
    await textMatching(liveTurn.getByRole('status'), /: cancelled/);
    expect(await stop.isHidden()).toBe(true);
    const turns = await admin.request<ApiPage<{ status: string }>>('GET', `/v1/sessions/${sessionId}/turns`);
    expect(turns.body.items.map((t) => t.status)).toEqual(['cancelled']);
  }, 240_000);

  it('serves deep links (reload keeps the page) and keeps the key only for this tab', async () => {
    await page.reload();
    await page.getByRole('region', { name: 'Live turn' }).waitFor();
    const other = await newTab(browser);
    await other.goto(page.url());
    await other.getByLabel('API key').waitFor();
    await other.close();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
  });
});
