import { type AuditRecorded } from '#soma/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

export type AuditAction = AuditRecorded['action'];

const bigintAsNumber = { to: (value: number) => value, from: (value: string) => Number(value) };

/**
 * One admin or operator action. Append-only: the apps' role may only INSERT and SELECT it, and a trigger refuses
 * UPDATE, DELETE and TRUNCATE. Each event is chained to the one before it in its tenant's chain (docs/audit.md).
 */
@Entity({ name: 'audit_events' })
export class AuditEventEntity {
  @PrimaryColumn('uuid')
  id!: string;

  /** null: the platform's chain (model profiles). */
  @Column('uuid', { name: 'tenant_id', nullable: true })
  tenantId!: string | null;

  /** Its place in the chain: 1, 2, 3 … */
  @Column('bigint', { transformer: bigintAsNumber })
  seq!: number;

  @Column('char', { name: 'prev_hash', length: 64 })
  prevHash!: string;

  @Column('char', { length: 64 })
  hash!: string;

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
