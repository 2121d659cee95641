import { describe, expect, it } from 'vitest';
import {
  auditEventHash,
  AUDIT_GENESIS_HASH,
  canonicalJson,
  verifyAuditChain,
  type ChainedAuditEvent,
} from './audit-chain.contract.js';

function chainOf(n: number): ChainedAuditEvent[] {
  const events: ChainedAuditEvent[] = [];
  let prevHash = AUDIT_GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const fields = {
      id: `00000000-0000-4000-8000-00000000000${seq}`,
      tenantId: '11111111-1111-4111-8111-111111111111',
      seq,
      prevHash,
      actorKeyId: null,
      actorRole: 'operator',
      action: 'api_key.created',
      subjectType: 'api_key',
      subjectId: '22222222-2222-4222-8222-222222222222',
      reason: `event ${seq}`,
      detail: { b: [1, { y: 2, x: 'é' }], a: null },
      occurredAt: new Date(1_700_000_000_000 + seq).toISOString(),
    };
    const hash = auditEventHash(fields);
    events.push({ ...fields, hash });
    prevHash = hash;
  }
  return events;
}

function nth(events: ChainedAuditEvent[], index: number): ChainedAuditEvent {
  const event = events[index];
  if (!event) throw new Error(`no event ${index}`);
  return event;
}

describe('audit chain', () => {
  it('canonical JSON sorts keys at every level and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { f: 1, e: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[3,{"e":2,"f":1}]},"b":1}',
    );
    expect(auditEventHash({ ...nth(chainOf(1), 0), detail: { y: 2, x: 1 } })).toBe(
      auditEventHash({ ...nth(chainOf(1), 0), detail: { x: 1, y: 2 } }),
    );
  });

  it('verifies an unbroken chain, also page by page', () => {
    const events = chainOf(5);
    const whole = verifyAuditChain(events, { hash: AUDIT_GENESIS_HASH, seq: 0 });
    expect(whole).toEqual({ ok: true, last: { hash: nth(events, 4).hash, seq: 5 } });
    const head = verifyAuditChain(events.slice(0, 2), { hash: AUDIT_GENESIS_HASH, seq: 0 });
    if (!head.ok) throw new Error('first page did not verify');
    expect(verifyAuditChain(events.slice(2), head.last).ok).toBe(true);
  });

  it.each([
    [
      'an edited field',
      (e: ChainedAuditEvent[]) => (nth(e, 2).reason = 'nothing happened'),
      'hash_mismatch',
      3,
    ],
    ['an edited detail', (e: ChainedAuditEvent[]) => (nth(e, 1).detail = {}), 'hash_mismatch', 2],
    ['a removed event', (e: ChainedAuditEvent[]) => e.splice(2, 1), 'seq_gap', 4],
    [
      'an event rehashed after an edit',
      (e: ChainedAuditEvent[]) => {
        nth(e, 1).reason = 'rewritten';
        nth(e, 1).hash = auditEventHash(nth(e, 1));
      },
      'prev_hash_mismatch',
      3,
    ],
  ])('names the first event broken by %s', (_, tamper, kind, seq) => {
    const events = chainOf(5);
    tamper(events);
    const result = verifyAuditChain(events, { hash: AUDIT_GENESIS_HASH, seq: 0 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.broken.kind).toBe(kind);
    expect(result.broken.event.seq).toBe(seq);
  });
});
