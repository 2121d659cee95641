import { ApiClient, type Page, type SessionView, type TurnView } from '#soma/client';
import { type ReplayDiff } from '#soma/cli';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { jsonOf, runCli } from '../support/cli.js';
import { completedTurn, sessionWithProfile } from '../support/sessions.js';

const PROFILE = { provider: 'local', model: 'SmolLM2-135M-Instruct-Q4_1' };

describe('soma replay: a recorded session against another model profile, with a diff', () => {
  const baseUrl = inject('gatewayUrl');
  const adminKey = inject('adminKey');
  const api = new ApiClient(baseUrl, adminKey);
  const asAdmin = { SOMA_API_KEY: adminKey, SOMA_URL: baseUrl };
  let sourceId: string;
  let sourceProfileId: string;

  beforeAll(async () => {
    const source = await sessionWithProfile(api, {
      name: 'cli-replay-source',
      tools: ['code.execute'],
      toolChoice: 'required',
      maxTokens: 24,
    });
    ({ sessionId: sourceId, profileId: sourceProfileId } = source);
    await completedTurn(api, sourceId, 'Run a small Python program that prints the number 42.');
    await completedTurn(api, sourceId, 'Now use Python to print the number 7.');
  }, 420_000);

  it('replays each user message in order on a second profile; --json diffs replies, tokens, tool calls and decisions', async () => {
    const other = await api.request<{ id: string; name: string }>('POST', '/v1/model-profiles', {
      body: {
        ...PROFILE,
        name: `cli-replay-other-${sourceId.slice(0, 8)}`,
        tools: ['code.execute'],
        toolChoice: 'required',
        maxTokens: 16,
        temperature: 0.9,
        systemPrompt: 'You are a terse assistant. Answer in one sentence.',
      },
    });
    expect(other.status).toBe(201);

    const result = await runCli(
      ['replay', sourceId, '--profile', other.body.name, '--json', '--turn-timeout', '240'],
      asAdmin,
      540_000,
    );
    expect(result.code, result.stderr).toBe(0);
    // Every user message of the source, in order (a turn the test harness had to re-post counts too).
    const userMessages = (await api.messages(sourceId))
      .filter((m) => m.role === 'user')
      .map((m) => m.content);
    const n = userMessages.length;
    expect(n).toBeGreaterThanOrEqual(2);
    for (let i = 1; i <= n; i++)
      expect(result.stderr).toMatch(new RegExp(`turn ${i}/${n} (completed|failed)`));
    const diff = jsonOf<ReplayDiff>(result);

    expect(diff.source).toEqual({ sessionId: sourceId, modelProfileId: sourceProfileId });
    expect(diff.replay).toMatchObject({ modelProfileId: other.body.id, toolResults: 'recorded' });
    expect(diff.turns.map((t) => t.userMessage)).toEqual(userMessages);
    expect(diff.turns.map((t) => t.index)).toEqual(userMessages.map((_, i) => i + 1));
    expect(diff.summary.turns).toBe(n);
    for (const turn of diff.turns) {
      expect(turn.userMessage.length).toBeGreaterThan(0);
      expect(turn.replay).not.toBeNull();
      for (const side of [turn.source, turn.replay]) {
        expect(side?.turnIds.length).toBeGreaterThanOrEqual(1);
        expect(typeof side?.reply).toBe('string');
        for (const call of side?.toolCalls ?? []) {
          expect(call.tool).toBe('code.execute');
          expect(typeof call.arguments).toBe('object');
          for (const decision of call.decisions) {
            expect(typeof decision.outcome).toBe('string');
            expect(Array.isArray(decision.ruleIds)).toBe(true);
          }
        }
      }
      // Token counts of both sides, and their difference.
      if (turn.source.usage && turn.replay?.usage) {
        expect(turn.tokens.prompt).toEqual({
          source: turn.source.usage.promptTokens,
          replay: turn.replay.usage.promptTokens,
          delta: turn.replay.usage.promptTokens - turn.source.usage.promptTokens,
        });
        expect(turn.tokens.completion.delta).toBe(
          turn.replay.usage.completionTokens - turn.source.usage.completionTokens,
        );
      }
      // The reply diff holds both texts: without insertions it is the source, without deletions the replay.
      const text = (skip: string) =>
        turn.reply.diff
          .filter((p) => p.op !== skip)
          .map((p) => p.text)
          .join('');
      expect(text('insert')).toBe(turn.source.reply);
      expect(text('delete')).toBe(turn.replay?.reply);
      expect(turn.reply.same).toBe(turn.source.reply === turn.replay?.reply);
      // Tool results of a replay come from the recording, not the sandbox.
      for (const call of turn.replay?.toolCalls ?? []) expect(call.source).toBe('recorded');
    }
    expect(diff.turns.some((t) => t.source.usage !== null && t.replay?.usage != null)).toBe(true);
    expect(diff.turns.some((t) => t.source.toolCalls.length > 0)).toBe(true);

    const replays = jsonOf<{ items: SessionView[] }>(
      await runCli(['sessions', 'list', '--json', '--limit', '200'], asAdmin),
    ).items;
    expect(replays.find((s) => s.id === diff.replay.sessionId)?.replay).toEqual({
      sourceSessionId: sourceId,
      toolResults: 'recorded',
    });
  }, 600_000);

  it("a turn's tool allowance is replayed with it; one naming a tool its profile lacks is refused", async () => {
    const { sessionId } = await sessionWithProfile(api, {
      name: 'cli-replay-allowance',
      tools: ['code.execute'],
      toolChoice: 'required',
      maxTokens: 16,
    });
    const ask = 'Run a small Python program that prints the number 42.';
    const refused = await api.request('POST', `/v1/sessions/${sessionId}/messages`, {
      body: { content: ask, toolAllowance: { tools: ['code.execute', 'http.fetch'], choice: 'auto' } },
    });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      error: 'TOOL_NOT_ALLOWED',
      fields: [{ field: 'toolAllowance.tools.1' }],
    });
    // The profile requires a call; this turn allows none, and so must its replay.
    const none = { tools: ['code.execute'], choice: 'none' };
    await completedTurn(api, sessionId, ask, 180_000, { toolAllowance: none });
    const result = await runCli(['replay', sessionId, '--json', '--turn-timeout', '240'], asAdmin, 300_000);
    expect(result.code, result.stderr).toBe(0);
    const diff = jsonOf<ReplayDiff>(result);
    for (const id of [sessionId, diff.replay.sessionId]) {
      const turns = (await api.request<Page<TurnView>>('GET', `/v1/sessions/${id}/turns`)).body.items;
      expect(turns.map((t) => t.toolAllowance)).toEqual([none]);
      expect((await api.messages(id)).map((m) => m.role)).toEqual(['user', 'assistant']);
    }
  }, 360_000);

  it("defaults to the source's profile, runs tools live with --live-tools, and prints a readable diff", async () => {
    const { sessionId, profileId } = await sessionWithProfile(api, {
      name: 'cli-replay-plain',
      maxTokens: 16,
    });
    await completedTurn(api, sessionId, 'Say hello in five words.');
    const result = await runCli(
      ['replay', sessionId, '--live-tools', '--turn-timeout', '240'],
      asAdmin,
      300_000,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/turn 1\/1 (completed|failed)/);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^replay [0-9a-f-]{36} of ${sessionId}$`));
    expect(lines[1]).toMatch(/^profile (\S+) → \1 · tool results live$/);
    expect(result.stdout).toContain('turn 1/1: Say hello in five words.');
    expect(result.stdout).toMatch(/tokens\s+prompt \d+ → \d+ \([+-]\d+\), completion \d+ → \d+/);
    expect(result.stdout).toMatch(/^1 turns: /m);

    const replayId = /^replay (\S+)/.exec(lines[0] ?? '')?.[1] ?? '';
    const shown = jsonOf<{ session: SessionView }>(
      await runCli(['sessions', 'show', replayId, '--json'], asAdmin),
    );
    expect(shown.session).toMatchObject({
      modelProfileId: profileId,
      replay: { sourceSessionId: sessionId, toolResults: 'live' },
    });
  }, 360_000);
});
