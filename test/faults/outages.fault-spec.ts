import { ApiClient } from '#soma/client';
import { describe, expect, inject, it } from 'vitest';
import { closeAll, judge, report, startTurns } from '../support/fault-turns.js';
import {
  freezePostgres,
  freezeRedis,
  killKafka,
  restartInfra,
  stopPostgres,
  stopRedis,
  thawPostgres,
  thawRedis,
} from '../support/faults.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const PROMPT = 'Write a short story about a lighthouse keeper and a storm.';

/** Each fault with real signals; `inject` resolves once the service is back (restarted by infra.sh up). */
const scenarios: { name: string; inject: () => Promise<unknown> }[] = [
  {
    name: 'postgres stopped 5 s (fast shutdown)',
    inject: async () => {
      await stopPostgres();
      await sleep(5000);
      await restartInfra();
    },
  },
  {
    name: 'redis stopped 5 s',
    inject: async () => {
      await stopRedis();
      await sleep(5000);
      await restartInfra();
    },
  },
  {
    name: 'postgres frozen 6 s (SIGSTOP)',
    inject: async () => {
      await freezePostgres();
      await sleep(6000);
      await thawPostgres();
    },
  },
  {
    name: 'redis frozen 6 s (SIGSTOP)',
    inject: async () => {
      await freezeRedis();
      await sleep(6000);
      await thawRedis();
    },
  },
  {
    name: 'kafka broker killed (-9) and restarted',
    inject: async () => {
      await killKafka();
      await restartInfra();
    },
  },
];

describe('outages during 6 concurrent turns', () => {
  const api = new ApiClient(inject('gatewayUrl'), inject('adminKey'));

  for (const scenario of scenarios) {
    it(`${scenario.name}: every turn ends once and completes, no event lost or repeated`, async () => {
      const turns = await startTurns(api, 6, PROMPT, { maxTokens: 120 });
      await sleep(700);
      await scenario.inject();
      const restored = Date.now();
      await Promise.all(turns.map((t) => t.watch.waitTerminal(t.turnId, 240_000)));
      const recoveryMs = Date.now() - restored;
      await sleep(1500); // a late duplicate would show now
      const verdicts = await judge(api, turns);
      await closeAll(turns);
      report(scenario.name, verdicts, recoveryMs);
      // Survivable: every turn completes.
      expect(verdicts.map((v) => v.terminals[0])).toEqual(turns.map(() => 'turn.completed'));
    }, 420_000);
  }
});
