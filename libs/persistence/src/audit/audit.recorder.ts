import { Injectable } from '@nestjs/common';
import { createEnvelope, Topics, type AuditRecorded } from '#soma/contracts';
import { randomUUID } from 'node:crypto';
import { type EntityManager } from 'typeorm';
import { OutboxRelay, type StagedMessage } from '../outbox.relay.js';

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
  tenantId: string;
  /** The session the action concerns; the nil uuid when none (a dead letter nobody could attribute). */
  sessionId: string | null;
  correlationId: string;
}

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * Writes an admin action to the append-only table and stages it for `audit.events`, in the caller's transaction
 * (used by the requeue, approvals and tenant policy settings).
 */
@Injectable()
export class AuditRecorder {
  constructor(private readonly outbox: OutboxRelay) {}

  async record(
    manager: EntityManager,
    actor: AuditActor,
    facts: AuditFacts,
  ): Promise<{ auditId: string; staged: StagedMessage }> {
    const auditId = randomUUID();
    const role = actor.operator ? 'operator' : actor.role;
    await manager.query(
      `INSERT INTO audit_events (id, tenant_id, action, actor_key_id, actor_role, subject_type, subject_id, reason, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        auditId,
        facts.tenantId,
        facts.action,
        actor.keyId,
        role,
        facts.subject.type,
        facts.subject.id,
        facts.reason,
        JSON.stringify(facts.detail),
      ],
    );
    const payload: AuditRecorded = {
      auditId,
      action: facts.action,
      actor: { keyId: actor.keyId, role },
      subject: facts.subject,
      reason: facts.reason,
      detail: facts.detail,
    };
    const envelope = createEnvelope(
      'audit.recorded',
      {
        tenantId: facts.tenantId,
        sessionId: facts.sessionId ?? NIL_UUID,
        correlationId: facts.correlationId,
      },
      payload,
    );
    const staged = await this.outbox.stage(manager, Topics.auditEvents, envelope, facts.tenantId);
    return { auditId, staged };
  }
}
