import { ApiClient } from '#soma/client';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startApp, TEST_PORTS, type RunningApp } from '../support/apps.js';
import { closeAll, judge, report, startTurns } from '../support/fault-turns.js';
import { pidOfInstance } from '../support/faults.js';

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
    await startApp('conversation-worker', {
      port: TEST_PORTS['conversation-worker'] + 10,
      env: { SOMA_INSTANCE_ID: 'worker-b' },
      logSuffix: '-b',
      detached: true,
    });
    const turns = await startTurns(api, 2, PROMPT, { maxTokens: 400 });
    const [first] = turns;
    if (!first) throw new Error('no turn');
    const tokens = () => first.watch.ofTurn(first.turnId).filter((f) => f.type === 'token').length;
    const deadline = Date.now() + 180_000;
    while (tokens() < 5 && Date.now() < deadline) await sleep(50);
    const running = await api.listAll<{ id: string; instanceId: string }>(
      `/v1/sessions/${first.sessionId}/turns`,
    );
    const victim = running.find((t) => t.id === first.turnId)?.instanceId ?? '';
    // Found by its id: a file before this one may have replaced the global setup's worker.
    const pid = pidOfInstance(victim);
    expect(pid, `the instance ${victim} running the turn is one of ours`).toBeGreaterThan(0);
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
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

  it('two publishers: a worker frozen mid-turn (SIGSTOP), taken over, then thawed is fenced out; the next turn follows', async () => {
    await startApp('conversation-worker', {
      port: TEST_PORTS['conversation-worker'] + 20,
      env: { SOMA_INSTANCE_ID: 'worker-c' },
      logSuffix: '-c',
      detached: true,
    });
    const [first] = await startTurns(api, 1, PROMPT, { maxTokens: 400 });
    if (!first) throw new Error('no turn');
    const ownTokens = () => first.watch.ofTurn(first.turnId).filter((f) => f.type === 'token').length;
    const deadline = Date.now() + 180_000;
    while (ownTokens() < 5 && Date.now() < deadline) await sleep(50);
    const running = await api.listAll<{ id: string; instanceId: string }>(
      `/v1/sessions/${first.sessionId}/turns`,
    );
    const frozen = pidOfInstance(running.find((t) => t.id === first.turnId)?.instanceId ?? '');
    expect(frozen, 'the instance running the turn is one of ours').toBeGreaterThan(0);
    process.kill(frozen, 'SIGSTOP');
    try {
      // Another instance takes the turn over while this one is frozen (its lease lapses).
      const until = Date.now() + 90_000;
      while (!first.watch.ofTurn(first.turnId).some((f) => f.type === 'turn.resumed') && Date.now() < until)
        await sleep(100);
      expect(first.watch.ofTurn(first.turnId).some((f) => f.type === 'turn.resumed')).toBe(true);
    } finally {
      // Thawed: the old run wakes mid-generation and tries to write; its fence no longer holds.
      process.kill(frozen, 'SIGCONT');
    }
    const next = await api.postMessage(first.sessionId, 'And now a short poem about the sea.');
    const second = { ...first, turnId: next.turnId };
    await first.watch.waitTerminal(first.turnId, 240_000);
    await first.watch.waitTerminal(next.turnId, 240_000);
    await sleep(2000);
    const verdicts = await judge(api, [first, second]);
    await closeAll([first]);
    report('two publishers: a frozen worker thawed after a takeover', verdicts, null);
    for (const v of verdicts) expect(v.terminals).toEqual(['turn.completed']);
    expect(verdicts[0]?.attempts).toBe(2);
    const endOfFirst = first.watch.frames.findIndex(
      (f) => f.type === 'turn.completed' && f.data.turnId === first.turnId,
    );
    const startOfNext = first.watch.frames.findIndex(
      (f) => f.type === 'turn.started' && f.data.turnId === next.turnId,
    );
    expect(endOfFirst).toBeLessThan(startOfNext);
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
