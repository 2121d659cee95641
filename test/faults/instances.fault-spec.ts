import { ApiClient } from '#soma/client';
import { hostname } from 'node:os';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startApp, TEST_PORTS, type RunningApp } from '../support/apps.js';
import { closeAll, judge, report, startTurns } from '../support/fault-turns.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const PROMPT = 'Write a long, detailed essay about the history of ships and navigation.';

describe('instances killed (-9) while turns stream', () => {
  const baseUrl = inject('gatewayUrl');
  const api = new ApiClient(baseUrl, inject('adminKey'));
  const started: RunningApp[] = [];

  afterAll(async () => {
    await Promise.all(started.map((app) => app.stop()));
  });

  it('a worker instance (one of two): its turns resume on the other, one continuous reply, then complete', async () => {
    // Outlives this file: when the global setup's worker is the one killed, this one serves what follows.
    const second = await startApp('conversation-worker', {
      port: TEST_PORTS['conversation-worker'] + 10,
      env: { SOMA_INSTANCE_ID: 'worker-b' },
      logSuffix: '-b',
      detached: true,
    });
    const pids: Record<string, number> = {
      'worker-b': second.process.pid ?? 0,
      [`${hostname()}-${inject('appPids')['conversation-worker']}`]: inject('appPids')['conversation-worker'],
    };
    const turns = await startTurns(api, 2, PROMPT, { maxTokens: 400 });
    const [first] = turns;
    if (!first) throw new Error('no turn');
    const tokens = () => first.watch.ofTurn(first.turnId).filter((f) => f.type === 'token').length;
    const deadline = Date.now() + 180_000;
    while (tokens() < 5 && Date.now() < deadline) await sleep(50);
    const running = (
      await api.request<{ id: string; instanceId: string }[]>('GET', `/v1/sessions/${first.sessionId}/turns`)
    ).body;
    const victim = running.find((t) => t.id === first.turnId)?.instanceId ?? '';
    const pid = pids[victim];
    expect(pid, `the instance ${victim} running the turn is one of ours`).toBeGreaterThan(0);
    const killedAt = Date.now();
    process.kill(pid ?? 0, 'SIGKILL');
    const seenBeforeKill = first.watch.frames.length;
    await Promise.all(turns.map((t) => t.watch.waitTerminal(t.turnId, 240_000)));
    const resumedFrame = first.watch.frames.slice(seenBeforeKill).find((f) => f.type === 'turn.resumed');
    await sleep(1500);
    const verdicts = await judge(api, turns);
    await closeAll(turns);
    // Recovery: from the kill to the resumed turn's announcement (lease expiry or rebalance, whichever first).
    report(
      'worker instance killed (-9), two running',
      verdicts,
      resumedFrame ? resumedFrame.at - killedAt : null,
    );
    const [verdict] = verdicts;
    expect(verdict?.terminals).toEqual(['turn.completed']);
    expect(verdict?.attempts).toBe(2);
    expect(verdict?.instanceId).not.toBe(victim);
    expect(first.watch.ofTurn(first.turnId).filter((f) => f.type === 'turn.resumed')).toHaveLength(1);
    for (const v of verdicts) expect(v.terminals).toEqual(['turn.completed']);
  }, 420_000);

  it('a gateway instance (one of two): its clients resume on the other with Last-Event-ID, no gap, no repeat', async () => {
    const port = TEST_PORTS.gateway + 10;
    const gatewayB = await startApp('gateway', {
      port,
      env: { SOMA_INSTANCE_ID: 'gw-faults-b' },
      logSuffix: '-faults-b',
    });
    started.push(gatewayB);
    const urlB = `http://127.0.0.1:${port}`;
    const turns = await startTurns(api, 4, PROMPT, { maxTokens: 200, gatewayUrls: () => [urlB, baseUrl] });
    const deadline = Date.now() + 180_000;
    while (turns.some((t) => t.watch.frames.length < 4) && Date.now() < deadline) await sleep(50);
    const killedAt = Date.now();
    process.kill(gatewayB.process.pid ?? 0, 'SIGKILL');
    await Promise.all(turns.map((t) => t.watch.waitTerminal(t.turnId, 240_000)));
    await sleep(1500);
    const verdicts = await judge(api, turns);
    const reconnected = turns.filter((t) => t.watch.frames.some((f) => f.connection > 0)).length;
    await closeAll(turns);
    report('gateway instance killed (-9), two running', verdicts, Date.now() - killedAt);
    expect(reconnected).toBeGreaterThan(0);
    for (const v of verdicts) expect(v.terminals).toEqual(['turn.completed']);
  }, 420_000);
});
