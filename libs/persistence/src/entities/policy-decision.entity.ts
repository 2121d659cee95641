import { Column, Entity, PrimaryColumn } from 'typeorm';

/** `override`: an admin's single-use grant admitted the call instead of the engines. */
export type PolicyDecisionOutcome = 'allow' | 'deny' | 'require_approval' | 'override';

/** One decision on one attempt of a tool call: an append-only log, never updated. */
@Entity({ name: 'policy_decisions' })
export class PolicyDecisionEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'session_id' })
  sessionId!: string;

  @Column('uuid', { name: 'tool_call_id' })
  toolCallId!: string;

  @Column('text')
  tool!: string;

  @Column('integer')
  attempt!: number;

  @Column('text')
  outcome!: PolicyDecisionOutcome;

  @Column('text')
  mode!: 'enforcing' | 'canary';

  @Column('text', { name: 'rule_ids', array: true })
  ruleIds!: string[];

  @Column('text', { array: true })
  reasons!: string[];

  @Column('boolean')
  cached!: boolean;

  @Column('boolean')
  transient!: boolean;

  @Column('uuid', { name: 'grant_id', nullable: true })
  grantId!: string | null;

  @Column('timestamptz', { name: 'decided_at' })
  decidedAt!: Date;
}
