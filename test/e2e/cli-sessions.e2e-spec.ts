import {
  ApiClient,
  type MessageView,
  type ModelProfileView,
  type SessionView,
  type ToolCallView,
  type TurnView,
  type Page,
} from '#soma/client';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { jsonOf, runCli } from '../support/cli.js';
import { completedTurn, sessionWithProfile } from '../support/sessions.js';
import { sleep } from '../support/events.js';
import { createTenant } from '../support/tenants.js';

interface Shown {
  session: SessionView;
  messages: MessageView[];
  turns: TurnView[];
  toolCalls: ToolCallView[];
}

describe('soma sessions list/show, profiles list, errors and tenant isolation', () => {
  const baseUrl = inject('gatewayUrl');
  const adminKey = inject('adminKey');
  const api = new ApiClient(baseUrl, adminKey);
  const asAdmin = { SOMA_API_KEY: adminKey, SOMA_URL: baseUrl };
  const marker = `cli-${randomUUID().slice(0, 8)}`;
  let sessionId: string;
  let profileName: string;
  let profileId: string;

  beforeAll(async () => {
    ({ sessionId, profileName, profileId } = await sessionWithProfile(api, {
      name: 'cli-show',
      maxTokens: 16,
    }));
    await api.request('POST', '/v1/sessions', { body: { title: `${marker} other` } });
    // A titled session of this profile, with one tool-calling turn to show.
    const titled = await api.request<{ id: string }>('POST', '/v1/sessions', {
      body: { title: `${marker} main`, modelProfile: profileName },
    });
    sessionId = titled.body.id;
    await completedTurn(api, sessionId, 'Please write a Python function that reverses a string.');
    // A user-requested call too: its policy decisions are there whatever the model chose to do.
    const note = await api.request<{ toolCallId: string }>('POST', `/v1/sessions/${sessionId}/tool-calls`, {
      body: { tool: 'memory.write', arguments: { content: marker } },
    });
    expect(note.status).toBe(202);
    for (let i = 0; i < 300; i++) {
      const calls = await api.request<Page<ToolCallView>>('GET', `/v1/sessions/${sessionId}/tool-calls`);
      if (calls.body.items.find((c) => c.toolCallId === note.body.toolCallId)?.status === 'ok') break;
      await sleep(200);
    }
  });

  it('sessions list filters by title and profile, newest first, as JSON and as a table', async () => {
    const byTitle = jsonOf<Page<SessionView>>(
      await runCli(['sessions', 'list', '--title', marker, '--json'], asAdmin),
    );
    expect(byTitle.items.map((s) => s.title)).toEqual([`${marker} main`, `${marker} other`]);
    expect(byTitle.next).toBeNull();
    const byProfile = jsonOf<Page<SessionView>>(
      await runCli(['sessions', 'list', '--profile', profileName, '--json'], asAdmin),
    );
    expect(byProfile.items.every((s) => s.modelProfileId === profileId)).toBe(true);
    expect(byProfile.items.map((s) => s.id)).toContain(sessionId);
    // A page at a time: --limit, then --cursor with the page's next; --all follows every page.
    const limited = jsonOf<Page<SessionView>>(
      await runCli(['sessions', 'list', '--title', marker, '--limit', '1', '--json'], asAdmin),
    );
    expect(limited.items.map((s) => s.title)).toEqual([`${marker} main`]);
    const second = jsonOf<Page<SessionView>>(
      await runCli(
        ['sessions', 'list', '--title', marker, '--limit', '1', '--cursor', limited.next ?? '', '--json'],
        asAdmin,
      ),
    );
    expect(second).toMatchObject({ items: [{ title: `${marker} other` }], next: null });
    const all = jsonOf<Page<SessionView>>(
      await runCli(['sessions', 'list', '--title', marker, '--limit', '1', '--all', '--json'], asAdmin),
    );
    expect(all.items.map((s) => s.id)).toEqual(byTitle.items.map((s) => s.id));
    const more = await runCli(['sessions', 'list', '--title', marker, '--limit', '1'], asAdmin);
    expect(more.stdout).toContain(`more: --cursor ${limited.next ?? ''}`);
    const badCursor = await runCli(['sessions', 'list', '--cursor', 'garbage'], asAdmin);
    expect(badCursor.code).toBe(1);
    expect(badCursor.stderr).toContain('CURSOR_INVALID');

    const table = await runCli(['sessions', 'list', '--title', marker], asAdmin);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+CREATED\s+PROFILE/);
    expect(table.stdout).toContain(sessionId);
    expect(table.stdout).toContain(profileName);
  });

  it('sessions show gives messages with classification, turns with usage and tool calls with decisions', async () => {
    const shown = jsonOf<Shown>(await runCli(['sessions', 'show', sessionId, '--json'], asAdmin));
    expect(shown.session).toMatchObject({ id: sessionId, modelProfileId: profileId, replay: null });
    const user = shown.messages.find((m) => m.role === 'user');
    expect(user?.classification?.status).toBeTypeOf('string');
    expect(shown.turns.length).toBeGreaterThanOrEqual(1);
    // A turn the watchdog ended under load may be redelivered and still be running: only ended ones are checked.
    expect(shown.turns.some((t) => t.status === 'completed')).toBe(true);
    for (const turn of shown.turns.filter((t) => t.status === 'completed'))
      expect(turn.usage?.promptTokens).toBeGreaterThan(0);
    const note = shown.toolCalls.find((c) => c.tool === 'memory.write');
    expect(note).toMatchObject({ arguments: { content: marker }, status: 'ok', requestedBy: 'user' });
    expect(note?.decisions.map((d) => d.outcome)).toContain('allow');
    for (const call of shown.toolCalls) {
      expect(call.decisions.length).toBeGreaterThanOrEqual(1);
      expect(Array.isArray(call.decisions[0]?.ruleIds)).toBe(true);
    }

    const human = await runCli(['sessions', 'show', sessionId], asAdmin);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`session ${sessionId}`);
    expect(human.stdout).toMatch(
      /turn [0-9a-f-]{36} · (completed · \d+ prompt \+ \d+ completion tokens|failed)/,
    );
    expect(human.stdout).toMatch(/memory\.write .*→ ok.*; policy: allow/);
    if (user?.classification?.status === 'classified') expect(human.stdout).toMatch(/\[intent /);
  });

  it('profiles list shows every profile with its settings', async () => {
    const profiles = jsonOf<Page<ModelProfileView>>(
      await runCli(['profiles', 'list', '--all', '--json'], asAdmin),
    ).items;
    expect(profiles.find((p) => p.id === profileId)).toMatchObject({
      name: profileName,
      maxTokens: 16,
    });
    expect(profiles.filter((p) => p.isDefault)).toHaveLength(1);
    const table = await runCli(['profiles', 'list'], asAdmin);
    expect(table.stdout).toContain(profileName);
    expect(table.stdout).toContain('(* default)');
  });

  it('API and network errors exit 1 with the code; usage errors exit 2 with usage', async () => {
    const unknown = await runCli(['sessions', 'show', randomUUID()], asAdmin);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/SESSION_NOT_FOUND \(HTTP 404\)/);
    const badKey = await runCli(['sessions', 'list', '--key', 'soma_not_a_key'], { SOMA_URL: baseUrl });
    expect(badKey.code).toBe(1);
    expect(badKey.stderr).toContain('API_KEY_INVALID');
    const noServer = await runCli(['profiles', 'list', '--url', 'http://127.0.0.1:9'], {
      SOMA_API_KEY: adminKey,
    });
    expect(noServer.code).toBe(1);
    expect(noServer.stderr).toContain('NETWORK_ERROR');
    const noKey = await runCli(['sessions', 'list'], { SOMA_URL: baseUrl });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('SOMA_API_KEY');
    for (const args of [
      ['sessions', 'frobnicate'],
      ['sessions', 'list', '--nope'],
      ['sessions', 'show'],
      [],
    ]) {
      const result = await runCli(args, asAdmin);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain('usage: soma');
      expect(result.stdout).toBe('');
    }
    const limit = await runCli(['sessions', 'list', '--limit', 'lots'], asAdmin);
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain('--limit must be a whole number');
    const help = await runCli(['sessions', 'tail', '--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--until-turn-end');
  });

  it("a user key of another tenant sees only its tenant's sessions and is refused admin commands (403)", async () => {
    const tenant = await createTenant('cli');
    const tenantAdmin = new ApiClient(baseUrl, tenant.adminKey);
    const created = await tenantAdmin.request<{ key: string }>('POST', '/v1/admin/api-keys', {
      body: { name: 'cli-user', role: 'user' },
    });
    expect(created.status).toBe(201);
    const asUser = { SOMA_API_KEY: created.body.key, SOMA_URL: baseUrl };
    const own = await new ApiClient(baseUrl, created.body.key).createSession();

    const listed = jsonOf<Page<SessionView>>(
      await runCli(['sessions', 'list', '--json', '--limit', '200'], asUser),
    );
    expect(listed.items.map((s) => s.id)).toEqual([own]);
    const other = await runCli(['sessions', 'show', sessionId], asUser);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('SESSION_NOT_FOUND');

    const requeue = await runCli(['requeue', 'list'], asUser);
    expect(requeue.code).toBe(1);
    expect(requeue.stderr).toMatch(/ADMIN_ROLE_REQUIRED \(HTTP 403\): /);
    const override = await runCli(['requeue', 'override', randomUUID(), '--reason', 'no'], asUser);
    expect(override.code).toBe(1);
    expect(override.stderr).toContain('ADMIN_ROLE_REQUIRED');
  });
});
