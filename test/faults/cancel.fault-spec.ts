import { ApiClient, type Page } from '#soma/client';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startApp, TEST_PORTS, type RunningApp } from '../support/apps.js';
import { closeAll, judge, report, startTurns, type WatchedTurn } from '../support/fault-turns.js';
import { pidOfInstance } from '../support/faults.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const PROMPT = 'Write a long, detailed essay about the history of ships and navigation.';

interface Cancelled {
  status: string;
  cancelRequested: boolean;
}

/**
 * Cancel while the worker running the turn is frozen (SIGSTOP): the cancel is recorded at once, nothing the frozen
 * run writes after it reaches the stream, and the turn ends exactly once as cancelled: by the run itself when
 * thawed within its lease, or by another instance's watchdog (never resumed after the cancel) when not.
 */
describe('cancel while the worker running the turn is frozen', () => {
  const baseUrl = inject('gatewayUrl');
  const api = new ApiClient(baseUrl, inject('adminKey'));
  const started: RunningApp[] = [];

  afterAll(async () => {
    await Promise.all(started.map((app) => app.stop()));
  });

  /** Waits for a few tokens, then finds the pid of the instance running the turn. */
  const runningPid = async (turn: WatchedTurn): Promise<number> => {
    const deadline = Date.now() + 180_000;
    const tokens = () => turn.watch.ofTurn(turn.turnId).filter((f) => f.type === 'token').length;
    while (tokens() < 5 && Date.now() < deadline) await sleep(50);
    const turns = await api.request<Page<{ id: string; instanceId: string }>>(
      'GET',
      `/v1/sessions/${turn.sessionId}/turns`,
    );
    const instance = turns.body.items.find((t) => t.id === turn.turnId)?.instanceId ?? '';
    const pid = pidOfInstance(instance);
    expect(pid, `the instance ${instance} running the turn is one of ours`).toBeGreaterThan(0);
    return pid;
  };
  const cancel = (turn: WatchedTurn) =>
    api.request<Cancelled>('POST', `/v1/sessions/${turn.sessionId}/turns/${turn.turnId}/cancel`);
  /** Until the turns API shows the cancel recorded on the turn; returns the runs it had taken by then. */
  const recorded = async (turn: WatchedTurn): Promise<number> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const turns = await api.request<Page<{ id: string; cancelledBy: unknown; attempts: number }>>(
        'GET',
        `/v1/sessions/${turn.sessionId}/turns`,
      );
      const found = turns.body.items.find((t) => t.id === turn.turnId);
      if (found?.cancelledBy) return found.attempts;
      if (Date.now() > deadline) throw new Error('the cancel was not recorded');
      await sleep(25);
    }
  };
  const tokenSeqsAfter = (turn: WatchedTurn, seq: number) =>
    turn.watch.ofTurn(turn.turnId).filter((f) => f.type === 'token' && f.seq > seq);

  it('thawed within its lease: the run itself ends the turn cancelled with what it generated', async () => {
    const [turn] = await startTurns(api, 1, PROMPT, { maxTokens: 400 });
    if (!turn) throw new Error('no turn');
    const pid = await runningPid(turn);
    process.kill(pid, 'SIGSTOP');
    const askedAt = Date.now();
    let answering;
    let attempts = 0;
    try {
      // Recorded while the run is frozen (it cannot answer); thawed well within its lease.
      answering = cancel(turn);
      attempts = await recorded(turn);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const answer = await answering;
    expect(answer.body.cancelRequested).toBe(true);
    await turn.watch.waitTerminal(turn.turnId, 60_000);
    const end = turn.watch.ofTurn(turn.turnId).find((f) => f.type === 'turn.cancelled');
    await sleep(1500);
    const verdicts = await judge(api, [turn]);
    await closeAll([turn]);
    report('cancel while the running worker is frozen, thawed', verdicts, end ? end.at - askedAt : null);
    expect(verdicts[0]?.terminals).toEqual(['turn.cancelled']);
    // The run that held it when the cancel came ended it (no other run took it over since).
    expect(verdicts[0]?.attempts).toBe(attempts);
    expect(tokenSeqsAfter(turn, end?.seq ?? 0)).toEqual([]);
    const usage = end?.data.usage as { completionTokens: number } | undefined;
    expect(usage?.completionTokens).toBeGreaterThan(0);
  }, 300_000);

  it('frozen past its lease: another instance ends it cancelled and does not resume it; the thawed run writes nothing', async () => {
    const second = await startApp('conversation-worker', {
      port: TEST_PORTS['conversation-worker'] + 30,
      env: { SOMA_INSTANCE_ID: 'worker-cancel' },
      logSuffix: '-cancel',
    });
    started.push(second);
    const [turn] = await startTurns(api, 1, PROMPT, { maxTokens: 400 });
    if (!turn) throw new Error('no turn');
    const pid = await runningPid(turn);
    process.kill(pid, 'SIGSTOP');
    const askedAt = Date.now();
    let attempts = 0;
    try {
      const answering = cancel(turn);
      attempts = await recorded(turn);
      // The answer waits up to 5 s: the turn is still ending (202), or the watchdog ended it already (200).
      const answer = await answering;
      expect(answer.body.cancelRequested).toBe(true);
      expect([200, 202]).toContain(answer.status);
      expect(answer.status === 202 ? 'running' : 'cancelled').toBe(answer.body.status);
      // The other instance's watchdog finds the lapsed lease (4 s in tests) and ends the turn as cancelled.
      await turn.watch.waitTerminal(turn.turnId, 60_000);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const end = turn.watch.ofTurn(turn.turnId).find((f) => f.type === 'turn.cancelled');
    // Time for the thawed run to try its next write (refused) and anything stray to show.
    await sleep(4000);
    const verdicts = await judge(api, [turn]);
    await closeAll([turn]);
    report(
      'cancel while the running worker is frozen past its lease',
      verdicts,
      end ? end.at - askedAt : null,
    );
    expect(verdicts[0]?.terminals).toEqual(['turn.cancelled']);
    // Ended by the watchdog as cancelled, not resumed: no run was added after the cancel (a slow start may have
    // been taken over before it; that is the integrity path, not this one).
    expect(verdicts[0]?.attempts).toBe(attempts);
    expect(tokenSeqsAfter(turn, end?.seq ?? 0)).toEqual([]);
    expect(turn.watch.ofTurn(turn.turnId).at(-1)?.type).toBe('turn.cancelled');
  }, 300_000);
});
