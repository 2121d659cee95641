import { describe, expect, it } from 'vitest';
import { planAfterFailure } from './delivery-plan.js';

const settings = { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 1500 };

describe('planAfterFailure', () => {
  it('retries with capped exponential backoff and equal jitter until the last attempt', () => {
    expect(planAfterFailure(1, settings, () => 1)).toEqual({ kind: 'retry', delayMs: 1000 });
    expect(planAfterFailure(1, settings, () => 0)).toEqual({ kind: 'retry', delayMs: 500 });
    expect(planAfterFailure(2, settings, () => 1)).toEqual({ kind: 'retry', delayMs: 1500 });
    expect(planAfterFailure(2, settings, () => 0)).toEqual({ kind: 'retry', delayMs: 750 });
  });

  it('dead-letters after the last attempt (and after a replay round ran out too)', () => {
    expect(planAfterFailure(3, settings)).toEqual({ kind: 'dead_letter' });
    expect(planAfterFailure(4, settings)).toEqual({ kind: 'dead_letter' });
  });
});
