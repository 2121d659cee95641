import { createHash } from 'node:crypto';

/** The hash a chain's first event points back to. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/** The chain of the events that belong to no tenant (model profiles: they are the platform's). */
export const PLATFORM_CHAIN = 'platform';

/** What an audit event's hash covers, as the chain API returns it. */
export interface AuditChainFields {
  id: string;
  /** null: the platform chain. */
  tenantId: string | null;
  /** 1, 2, 3 … within the chain, no gaps. */
  seq: number;
  prevHash: string;
  actorKeyId: string | null;
  actorRole: string;
  action: string;
  subjectType: string;
  subjectId: string;
  reason: string;
  detail: unknown;
  /** ISO 8601 with milliseconds, as stored (the recorder writes millisecond timestamps). */
  occurredAt: string;
}

/**
 * JSON with object keys sorted at every level, no whitespace: the same value always gives the same text,
 * whatever order a JSON parser or PostgreSQL's jsonb hands the keys back in.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value) as string | undefined;
    return text ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** SHA-256 (hex) over a canonical encoding of every field, the previous event's hash included. */
export function auditEventHash(fields: AuditChainFields): string {
  const encoded = canonicalJson([
    'soma-audit-v1',
    fields.prevHash,
    fields.tenantId,
    fields.seq,
    fields.id,
    fields.actorKeyId,
    fields.actorRole,
    fields.action,
    fields.subjectType,
    fields.subjectId,
    fields.reason,
    fields.detail,
    fields.occurredAt,
  ]);
  return createHash('sha256').update(encoded, 'utf8').digest('hex');
}

export interface ChainedAuditEvent extends AuditChainFields {
  hash: string;
}

export type AuditChainBreak =
  | { kind: 'hash_mismatch'; event: ChainedAuditEvent; expected: string }
  | { kind: 'prev_hash_mismatch'; event: ChainedAuditEvent; expected: string }
  | { kind: 'seq_gap'; event: ChainedAuditEvent; expected: number };

/** Checks a stretch of a chain, given the hash and seq of the event before it (genesis, 0 at the start). */
export function verifyAuditChain(
  events: readonly ChainedAuditEvent[],
  before: { hash: string; seq: number },
): { ok: true; last: { hash: string; seq: number } } | { ok: false; broken: AuditChainBreak } {
  let last = before;
  for (const event of events) {
    if (event.seq !== last.seq + 1)
      return { ok: false, broken: { kind: 'seq_gap', event, expected: last.seq + 1 } };
    if (event.prevHash !== last.hash)
      return { ok: false, broken: { kind: 'prev_hash_mismatch', event, expected: last.hash } };
    const expected = auditEventHash(event);
    if (event.hash !== expected) return { ok: false, broken: { kind: 'hash_mismatch', event, expected } };
    last = { hash: event.hash, seq: event.seq };
  }
  return { ok: true, last };
}
