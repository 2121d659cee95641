import { ApiClient } from '#soma/client';
import { describe, expect, inject, it } from 'vitest';
import { closeAll, judge, report, startTurns, type WatchedTurn } from '../support/fault-turns.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('two publishers on one session', () => {
  const api = new ApiClient(inject('gatewayUrl'), inject('adminKey'));

  it("a user's tool call while a turn streams: both turns interleave on one stream, seqs strictly by one", async () => {
    const rounds: WatchedTurn[] = [];
    for (let round = 0; round < 3; round++) {
      const [turn] = await startTurns(api, 1, 'Write a long story about a dragon who learns to cook.', {
        maxTokens: 300,
      });
      if (!turn) throw new Error('no turn');
      const deadline = Date.now() + 180_000;
      while (
        turn.watch.ofTurn(turn.turnId).filter((f) => f.type === 'token').length < 3 &&
        Date.now() < deadline
      )
        await sleep(20);
      // The tool result starts a second turn of the same session while the first one streams.
      const call = await api.request('POST', `/v1/sessions/${turn.sessionId}/tool-calls`, {
        body: { tool: 'memory.write', arguments: { content: `round ${round}` } },
      });
      expect(call.status).toBe(202);
      await turn.watch.waitTerminal(turn.turnId, 240_000);
      const toolTurn = async () => {
        for (;;) {
          const other = turn.watch.frames.find(
            (f) => f.type === 'turn.started' && f.data.turnId !== turn.turnId,
          );
          if (other) return String(other.data.turnId);
          await sleep(50);
        }
      };
      const toolTurnId = await Promise.race([toolTurn(), sleep(120_000).then(() => '')]);
      expect(toolTurnId).not.toBe('');
      await turn.watch.waitTerminal(toolTurnId, 240_000);
      rounds.push(turn, { ...turn, turnId: toolTurnId });
    }
    await sleep(1000);
    const verdicts = await judge(api, rounds);
    await closeAll(rounds);
    report("two publishers: a user's tool call during a turn", verdicts, null);
    for (const v of verdicts) expect(v.terminals).toEqual(['turn.completed']);
  }, 600_000);
});
