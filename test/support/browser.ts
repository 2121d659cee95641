/**
 * Browser tests of the admin console: Debian's Chromium (scripts/test-support/chromium.sh) driven by
 * playwright-core, against the gateway the integration setup started. Screenshots go to test-results/console.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { ROOT } from './apps.js';

export const SCREENSHOT_DIR = join(ROOT, 'test-results', 'console');
const CHROMIUM = process.env.SOMA_CHROMIUM ?? '/usr/bin/chromium';

/** One headless browser per test file. */
export async function launchBrowser(): Promise<Browser> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, headless: true, timeout: 30_000 });
}

/** A fresh tab (its own sessionStorage, so its own sign-in) with short default waits. */
export async function newTab(browser: Browser): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(15_000);
  return page;
}

/** Signs in through the form; resolves once the console's navigation shows. */
export async function signIn(page: Page, baseUrl: string, key: string): Promise<void> {
  await page.goto(`${baseUrl}/console/`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Console' }).waitFor();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** Polls a condition on the page (DOM state, not a sleep) until it holds. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error instanceof Error ? error.message : 'the probe failed';
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The text of an element, once it matches. */
export async function textMatching(locator: Locator, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  return until(
    `${locator.toString()} to match ${pattern.source}`,
    async () => {
      const text = (await locator.textContent({ timeout: 1000 })) ?? '';
      return pattern.test(text) ? text : undefined;
    },
    timeoutMs,
  );
}
