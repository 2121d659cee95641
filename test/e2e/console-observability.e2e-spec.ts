import { ApiClient, type DashboardView } from '#soma/client';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  appEnv,
  opsPortOf,
  ROOT,
  STATE_DIR,
  TEST_PORTS,
  TEST_PROMETHEUS_PORT,
  type AppName,
} from '../support/apps.js';
import { launchBrowser, newTab, screenshot, signIn, textMatching, until } from '../support/browser.js';
import { completedTurn, drainSessions, sessionWithProfile } from '../support/sessions.js';
import { createTenant } from '../support/tenants.js';

const run = promisify(execFile);
const script = join(ROOT, 'scripts', 'prometheus', 'prometheus.sh');
const prometheusEnv = appEnv({
  SOMA_STATE_DIR: join(STATE_DIR, 'test-prometheus-dashboard'),
  SOMA_PROMETHEUS_PORT: String(TEST_PROMETHEUS_PORT),
});
const apps: AppName[] = ['gateway', 'conversation-worker', 'tool-executor', 'requeue'];
/** The panels a few turns and one tool call must fill (a single tool run leaves its duration quantile empty). */
const FILLED = [
  'turns',
  'turn-latency',
  'time-to-first-token',
  'tokens-per-second',
  'tool-executions',
  'policy-decisions',
];

const points = (panel: DashboardView['panels'][number]): number =>
  panel.series.reduce((n, s) => n + s.values.filter((v) => v !== null).length, 0);

describe('console: the Observability page charts the platform from Prometheus (Chromium)', () => {
  const baseUrl = inject('gatewayUrl');
  const adminKey = inject('adminKey');
  const operator = new ApiClient(baseUrl, adminKey);
  const sessions: string[] = [];
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser();
    page = await newTab(browser);
  });

  afterAll(async () => {
    await browser.close();
    await run('bash', [script, 'down'], { env: prometheusEnv });
    await drainSessions(operator, sessions);
  });

  it('refuses keys other than the operator’s, bad windows, and says so when Prometheus is down', async () => {
    const tenant = await createTenant('observability');
    const tenantAdmin = new ApiClient(baseUrl, tenant.adminKey);
    const refused = await tenantAdmin.request<{ error: string }>('GET', '/v1/observability/dashboard');
    expect([refused.status, refused.body.error]).toEqual([403, 'OPERATOR_REQUIRED']);
    const user = await tenantAdmin.request<{ key: string }>('POST', '/v1/admin/api-keys', {
      body: { name: 'observability-user', role: 'user' },
    });
    expect(user.status).toBe(201);
    const asUser = await new ApiClient(baseUrl, user.body.key).request<{ error: string }>(
      'GET',
      '/v1/observability/dashboard',
    );
    expect([asUser.status, asUser.body.error]).toEqual([403, 'ADMIN_ROLE_REQUIRED']);
    for (const minutes of ['1', '99999', 'soon']) {
      const bad = await operator.request<{ error: string }>(
        'GET',
        `/v1/observability/dashboard?minutes=${minutes}`,
      );
      expect([bad.status, bad.body.error]).toEqual([400, 'VALIDATION_FAILED']);
    }
    // Nothing listens on the test Prometheus port yet.
    const down = await operator.request<{ error: string }>('GET', '/v1/observability/dashboard');
    expect([down.status, down.body.error]).toEqual([503, 'METRICS_UNAVAILABLE']);

    await signIn(page, baseUrl, adminKey);
    await page
      .getByRole('navigation', { name: 'Console' })
      .getByRole('link', { name: 'Observability' })
      .click();
    await textMatching(page.getByRole('alert'), /METRICS_UNAVAILABLE \(HTTP 503\)/);
  });

  it('draws every panel, and after a few turns and a tool call the charts hold data', async () => {
    const targets = apps.map((app) => `${app}=127.0.0.1:${opsPortOf(app, TEST_PORTS[app])}`);
    await run('bash', [script, 'targets', ...targets], { env: prometheusEnv });
    await run('bash', [script, 'up'], { env: prometheusEnv });
    const { sessionId } = await sessionWithProfile(operator, { name: 'observability', maxTokens: 8 });
    sessions.push(sessionId);

    // A quantile needs its histogram to grow between two scrapes: one turn creates the series, Prometheus
    // scrapes it, then the next turns move it.
    await completedTurn(operator, sessionId, 'Say hello.');
    const prometheus = `http://127.0.0.1:${TEST_PROMETHEUS_PORT}/api/v1/query?query=`;
    await until(
      'Prometheus to scrape the first turn',
      async () => {
        const answer = (await (
          await fetch(`${prometheus}${encodeURIComponent('conversation_time_to_first_token_seconds_count')}`)
        ).json()) as { data: { result: unknown[] } };
        return answer.data.result.length > 0;
      },
      60_000,
    );
    await completedTurn(operator, sessionId, 'Name a colour.');
    await completedTurn(operator, sessionId, 'Name a fruit.');
    const call = await operator.request('POST', `/v1/sessions/${sessionId}/tool-calls`, {
      body: { tool: 'code.execute', arguments: { language: 'python', code: 'print(6 * 7)' } },
    });
    expect(call.status).toBe(202);

    const dashboard = await until(
      `the panels ${FILLED.join(', ')} to hold samples`,
      async () => {
        const answer = await operator.request<DashboardView>('GET', '/v1/observability/dashboard?minutes=15');
        expect(answer.status).toBe(200);
        const filled = answer.body.panels.filter((p) => FILLED.includes(p.id) && points(p) > 0);
        return filled.length === FILLED.length ? answer.body : undefined;
      },
      90_000,
    );
    // 15 minutes at the window's step, both ends included.
    expect(dashboard.timestamps).toHaveLength((15 * 60) / dashboard.stepSeconds + 1);
    expect(dashboard.timestamps[1]).toBe((dashboard.timestamps[0] ?? 0) + dashboard.stepSeconds);
    for (const panel of dashboard.panels)
      for (const series of panel.series) expect(series.values).toHaveLength(dashboard.timestamps.length);
    const tools = dashboard.panels.find((p) => p.id === 'tool-executions');
    expect(tools?.series.map((s) => s.name)).toContain('code.execute ok');

    await page.getByLabel('Window').selectOption('15');
    for (const panel of dashboard.panels) {
      const figure = page.getByRole('figure', { name: `${panel.title} chart` });
      await figure.locator('canvas').waitFor();
      if (!FILLED.includes(panel.id)) continue;
      await textMatching(page.getByLabel(`${panel.title} data`), /^\d+ series, \d+ points; latest: /);
    }
    const toolChart = page.getByRole('figure', { name: 'Tool executions chart' });
    await textMatching(toolChart, /code\.execute ok/);
    await screenshot(page, 'observability');
  });
});
