import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A single-use permission to run one tool call with exactly these arguments when policy says require_approval;
 * a deny stays a deny, except the operator's override of an overridable one (`overridesDenyRuleIds`).
 */
@Entity({ name: 'override_grants' })
export class OverrideGrantEntity {
  @PrimaryColumn('uuid', { name: 'grant_id' })
  grantId!: string;

  /** The requeue item an admin overrode, or null for a user's approval in the chat. */
  @Column('uuid', { name: 'requeue_item_id', nullable: true })
  requeueItemId!: string | null;

  /** The chat approval (tool_approvals) a session's user answered, or null for an admin override. */
  @Column('uuid', { name: 'approval_id', nullable: true })
  approvalId!: string | null;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'tool_call_id' })
  toolCallId!: string;

  @Column('char', { name: 'arguments_hash', length: 64 })
  argumentsHash!: string;

  @Column('uuid', { name: 'granted_by' })
  grantedBy!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /**
   * The operator's override of a deny: the rules it overrode. The executor admits the call under a deny only
   * when every rule denying it then is one of these and marks itself overridable. Null for every other grant.
   */
  @Column('text', { name: 'overrides_deny_rule_ids', array: true, nullable: true })
  overridesDenyRuleIds!: string[] | null;

  /** Set by the tool executor when it accepts the grant; a used grant is refused. */
  @Column('timestamptz', { name: 'used_at', nullable: true })
  usedAt!: Date | null;
}
