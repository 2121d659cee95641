import { type EngineDecision } from '#soma/contracts';
import { describe, expect, it } from 'vitest';
import { combineDecisions } from './combine-decisions.js';
import { canonicalJson, DecisionCache } from './decision.cache.js';

const engine = (
  name: 'opa' | 'openfga',
  outcome: EngineDecision['outcome'],
  rule: string,
): EngineDecision => ({
  engine: name,
  outcome,
  ruleIds: [rule],
  reasons: [`${name} says ${outcome}`],
  durationMs: 1,
});

describe('combineDecisions', () => {
  it('allows only when every engine allows', () => {
    const d = combineDecisions([engine('opa', 'allow', 'a'), engine('openfga', 'allow', 'b')], 'enforcing');
    expect(d).toMatchObject({ outcome: 'allow', ruleIds: ['a', 'b'], transient: false, mode: 'enforcing' });
  });

  it('denies when one engine denies, with that engine’s rules and reasons only', () => {
    const d = combineDecisions([engine('opa', 'allow', 'a'), engine('openfga', 'deny', 'b')], 'enforcing');
    expect(d).toMatchObject({ outcome: 'deny', ruleIds: ['b'], reasons: ['openfga says deny'] });
  });

  it('deny wins over require_approval', () => {
    const d = combineDecisions(
      [engine('opa', 'require_approval', 'a'), engine('openfga', 'deny', 'b')],
      'enforcing',
    );
    expect(d.outcome).toBe('deny');
  });

  it('a require_approval names its approver: the user only when every approving engine says user', () => {
    const user = { ...engine('opa', 'require_approval', 'tenant.user_approval'), approver: 'user' as const };
    const admin = {
      ...engine('openfga', 'require_approval', 'fga.needs_approval'),
      approver: 'admin' as const,
    };
    const byUser = combineDecisions([user, engine('openfga', 'allow', 'b')], 'enforcing');
    expect(byUser).toMatchObject({
      outcome: 'require_approval',
      approver: 'user',
      ruleIds: ['tenant.user_approval'],
    });
    expect(combineDecisions([user, admin], 'enforcing').approver).toBe('admin');
    const unmarked = engine('opa', 'require_approval', 'a');
    expect(combineDecisions([unmarked, engine('openfga', 'allow', 'b')], 'enforcing').approver).toBe('admin');
    expect(combineDecisions([engine('opa', 'allow', 'a')], 'enforcing')).not.toHaveProperty('approver');
    expect(combineDecisions([user], 'canary')).not.toHaveProperty('approver');
  });

  it('fails closed and marks the decision transient when an engine could not decide', () => {
    const d = combineDecisions(
      [engine('opa', 'error', 'opa.unavailable'), engine('openfga', 'allow', 'b')],
      'enforcing',
    );
    expect(d).toMatchObject({ outcome: 'deny', transient: true, ruleIds: ['opa.unavailable'] });
  });

  it('canary mode allows, and says what enforcing would have done', () => {
    const d = combineDecisions(
      [engine('opa', 'error', 'opa.unavailable'), engine('openfga', 'deny', 'b')],
      'canary',
    );
    expect(d.outcome).toBe('allow');
    expect(d.mode).toBe('canary');
    expect(d.transient).toBe(false);
    expect(d.ruleIds).toEqual(['policy.canary_allowed', 'opa.unavailable', 'b']);
    expect(d.reasons[0]).toContain('would have answered deny');
  });
});

describe('DecisionCache', () => {
  it('keys are independent of key order, and entries expire', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3] } })).toBe(canonicalJson({ a: { c: [3], d: 2 }, b: 1 }));
    let now = 0;
    const cache = new DecisionCache(100, 2, () => now);
    const decision = combineDecisions([engine('opa', 'allow', 'a')], 'enforcing');
    cache.set('k', decision);
    expect(cache.get('k')).toBe(decision);
    now = 100;
    expect(cache.get('k')).toBeUndefined();
  });

  it('drops the oldest entry when full, and caches nothing with a zero TTL', () => {
    const decision = combineDecisions([engine('opa', 'allow', 'a')], 'enforcing');
    const cache = new DecisionCache(1000, 2);
    cache.set('a', decision);
    cache.set('b', decision);
    cache.set('c', decision);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('c')).toBe(decision);
    const off = new DecisionCache(0);
    off.set('a', decision);
    expect(off.get('a')).toBeUndefined();
  });
});
