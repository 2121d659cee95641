import { type PolicyDecision } from '#soma/contracts';
import { describe, expect, it } from 'vitest';
import { planBlocked, retryDelayMs } from './retry-policy.js';

const settings = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 500 };
const decision = (transient: boolean): PolicyDecision => ({
  outcome: transient ? 'deny' : 'require_approval',
  mode: 'enforcing',
  ruleIds: [],
  reasons: [],
  engines: [],
  cached: false,
  transient,
});

describe('retryDelayMs', () => {
  it('doubles per attempt up to the cap, with half of each step random', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => retryDelayMs(attempt, settings, () => 1))).toEqual([
      100, 200, 400, 500, 500,
    ]);
    expect([1, 2, 3, 4, 5].map((attempt) => retryDelayMs(attempt, settings, () => 0))).toEqual([
      50, 100, 200, 250, 250,
    ]);
    expect(retryDelayMs(2, settings, () => 0.5)).toBe(150);
  });
});

describe('planBlocked', () => {
  it('keeps a policy decision for review, whatever the attempt', () => {
    expect(planBlocked(decision(false), 1, settings)).toEqual({ kind: 'review' });
    expect(planBlocked(decision(false), 9, settings)).toEqual({ kind: 'review' });
  });

  it('retries a transient block until the last attempt, then dead-letters it', () => {
    expect(planBlocked(decision(true), 1, settings, () => 1)).toEqual({ kind: 'retry', delayMs: 100 });
    expect(planBlocked(decision(true), 3, settings, () => 1)).toEqual({ kind: 'retry', delayMs: 400 });
    expect(planBlocked(decision(true), 4, settings)).toEqual({ kind: 'dead_letter' });
  });
});
