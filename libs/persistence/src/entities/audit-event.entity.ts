import { type AuditRecorded } from '#soma/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

export type AuditAction = AuditRecorded['action'];

/** One admin action, append-only (a trigger refuses UPDATE, DELETE and TRUNCATE). */
@Entity({ name: 'audit_events' })
export class AuditEventEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text')
  action!: AuditAction;

  @Column('uuid', { name: 'actor_key_id', nullable: true })
  actorKeyId!: string | null;

  @Column('text', { name: 'actor_role' })
  actorRole!: string;

  @Column('text', { name: 'subject_type' })
  subjectType!: AuditRecorded['subject']['type'];

  @Column('uuid', { name: 'subject_id' })
  subjectId!: string;

  @Column('text')
  reason!: string;

  /** What the action acted on, for example the decision an override overrode. */
  @Column('jsonb')
  detail!: Record<string, unknown>;

  @Column('timestamptz', { name: 'occurred_at' })
  occurredAt!: Date;
}
