import { describe, expect, it } from 'vitest';
import { policyContextOf } from './policy-context.js';

describe('policyContextOf', () => {
  it('takes a stored classification, or a context already in policy shape', () => {
    const stored = {
      status: 'classified',
      intent: 'question',
      sentiment: { label: 'neutral', score: 0.1 },
      tags: ['privacy', 'memory'],
      confidence: 0.8,
      durationMs: 12,
      model: 'm',
    };
    const context = {
      classification: 'classified',
      intent: 'question',
      sentiment: 'neutral',
      tags: ['privacy', 'memory'],
    };
    expect(policyContextOf(stored)).toEqual(context);
    expect(policyContextOf(context)).toEqual(context);
  });

  it('is unavailable when the classifier could not say, or nothing was classified', () => {
    expect(policyContextOf({ status: 'unclassified', reason: 'TIMEOUT', durationMs: 300 })).toEqual({
      classification: 'unavailable',
      reason: 'TIMEOUT',
    });
    expect(policyContextOf({})).toEqual({ classification: 'unavailable', reason: 'MISSING' });
    expect(policyContextOf(null)).toEqual({ classification: 'unavailable', reason: 'MISSING' });
    expect(policyContextOf({ classification: 'unavailable', reason: 'OVERLOADED' })).toEqual({
      classification: 'unavailable',
      reason: 'OVERLOADED',
    });
  });

  it('never passes on a label the classifier cannot produce', () => {
    expect(
      policyContextOf({
        classification: 'classified',
        intent: 'question',
        sentiment: 'neutral',
        tags: ['pii'],
      }),
    ).toEqual({ classification: 'unavailable', reason: 'ERROR' });
    expect(
      policyContextOf({ classification: 'classified', intent: 'rant', sentiment: 'neutral', tags: [] }),
    ).toEqual({ classification: 'unavailable', reason: 'ERROR' });
  });
});
