import { Injectable } from '@nestjs/common';
import {
  auditEventHash,
  AUDIT_GENESIS_HASH,
  createEnvelope,
  PLATFORM_CHAIN,
  Topics,
  type AuditRecorded,
} from '#soma/contracts';
import { currentCorrelationId } from '#soma/platform';
import { randomUUID } from 'node:crypto';
import { type EntityManager } from 'typeorm';
import { stageOutboxMessage, type StagedMessage } from '../outbox.relay.js';

/** Who acted: an API key, its role, and whether it is an operator's (an admin key of the operator tenant). */
export interface AuditActor {
  keyId: string | null;
  role: string;
  operator: boolean;
}

export interface AuditFacts {
  action: AuditRecorded['action'];
  subject: AuditRecorded['subject'];
  reason: string;
  detail: Record<string, unknown>;
  /** The chain the event joins: its tenant's, or (null) the platform's. */
  tenantId: string | null;
  /** The session the action concerns; the nil uuid when none (a dead letter nobody could attribute). */
  sessionId: string | null;
  /** Defaults to the request's correlation id. */
  correlationId?: string;
}

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

export interface RecordedAudit {
  auditId: string;
  seq: number;
  hash: string;
  staged: StagedMessage;
}

/**
 * Appends an event to its chain in the caller's transaction: the chain is locked (one writer at a time per tenant,
 * until the commit), the event gets the next seq and the hash of the event before it, and is staged for
 * `audit.events`. If the caller's change rolls back, so does the event; if this fails, so does the change.
 */
export async function recordAudit(
  manager: EntityManager,
  actor: AuditActor,
  facts: AuditFacts,
): Promise<RecordedAudit> {
  const chain = facts.tenantId ?? PLATFORM_CHAIN;
  await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7302))`, [`audit:${chain}`]);
  const head = await manager.query<{ seq: string; hash: string }[]>(
    `SELECT seq, hash FROM audit_events
     WHERE COALESCE(tenant_id, '${NIL_UUID}'::uuid) = COALESCE($1::uuid, '${NIL_UUID}'::uuid)
     ORDER BY COALESCE(tenant_id, '${NIL_UUID}'::uuid), seq DESC LIMIT 1`,
    [facts.tenantId],
  );
  const auditId = randomUUID();
  const role = actor.operator ? 'operator' : actor.role;
  // What jsonb will hand back (no undefined, dates as strings): the hash is over what a reader sees.
  const detail = JSON.parse(JSON.stringify(facts.detail)) as Record<string, unknown>;
  const occurredAt = new Date();
  const seq = Number(head[0]?.seq ?? 0) + 1;
  const prevHash = head[0]?.hash ?? AUDIT_GENESIS_HASH;
  const hash = auditEventHash({
    id: auditId,
    tenantId: facts.tenantId,
    seq,
    prevHash,
    actorKeyId: actor.keyId,
    actorRole: role,
    action: facts.action,
    subjectType: facts.subject.type,
    subjectId: facts.subject.id,
    reason: facts.reason,
    detail,
    occurredAt: occurredAt.toISOString(),
  });
  await manager.query(
    `INSERT INTO audit_events (id, tenant_id, seq, prev_hash, hash, action, actor_key_id, actor_role, subject_type,
       subject_id, reason, detail, occurred_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [
      auditId,
      facts.tenantId,
      seq,
      prevHash,
      hash,
      facts.action,
      actor.keyId,
      role,
      facts.subject.type,
      facts.subject.id,
      facts.reason,
      JSON.stringify(detail),
      occurredAt,
    ],
  );
  const payload: AuditRecorded = {
    auditId,
    action: facts.action,
    actor: { keyId: actor.keyId, role },
    subject: facts.subject,
    reason: facts.reason,
    detail,
  };
  const tenantId = facts.tenantId ?? NIL_UUID;
  const envelope = createEnvelope(
    'audit.recorded',
    {
      tenantId,
      sessionId: facts.sessionId ?? NIL_UUID,
      correlationId: facts.correlationId ?? currentCorrelationId(),
    },
    payload,
  );
  const staged = await stageOutboxMessage(manager, Topics.auditEvents, envelope, tenantId);
  return { auditId, seq, hash, staged };
}

/** `recordAudit` for injection (requeue, approvals, policy, identity, tools, webhooks, model profiles). */
@Injectable()
export class AuditRecorder {
  record(manager: EntityManager, actor: AuditActor, facts: AuditFacts): Promise<RecordedAudit> {
    return recordAudit(manager, actor, facts);
  }
}
