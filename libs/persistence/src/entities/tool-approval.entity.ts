import { type ApprovalStatus } from '#soma/contracts';
import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A tool call waiting for its session's own user (policy: require_approval, approver user). Single-use: one
 * guarded UPDATE moves it from pending to approved | edited | rejected (or expired, withdrawn).
 */
@Entity({ name: 'tool_approvals' })
export class ToolApprovalEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tool_call_id' })
  toolCallId!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'session_id' })
  sessionId!: string;

  @Column('uuid', { name: 'turn_id' })
  turnId!: string;

  /** The key whose message led to the call (null when the turn was continued by a tool result). */
  @Column('uuid', { name: 'requested_by_key_id', nullable: true })
  requestedByKeyId!: string | null;

  @Column('text')
  tool!: string;

  @Column('jsonb')
  arguments!: object;

  @Column('text', { array: true })
  reasons!: string[];

  @Column('text', { name: 'rule_ids', array: true })
  ruleIds!: string[];

  /** The full tool.call.requested payload: an approval re-publishes it (with a grant). */
  @Column('jsonb')
  request!: object;

  @Column('text', { name: 'correlation_id' })
  correlationId!: string;

  @Column('text')
  status!: ApprovalStatus;

  /** With `edited`: the arguments the tool runs with instead. */
  @Column('jsonb', { name: 'answer_arguments', nullable: true })
  answerArguments!: object | null;

  /** With `rejected`: what the model reads as the tool's result. */
  @Column('text', { name: 'answer_message', nullable: true })
  answerMessage!: string | null;

  @Column('uuid', { name: 'answered_by', nullable: true })
  answeredBy!: string | null;

  @Column('timestamptz', { name: 'answered_at', nullable: true })
  answeredAt!: Date | null;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt!: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
