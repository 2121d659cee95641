import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * pending: waits for an admin; retrying: an engine was unreachable, a retry is scheduled; overridden / rejected:
 * an admin decided; dead_lettered: retries exhausted; resolved: a retry was decided by policy again.
 */
export type RequeueItemStatus =
  'pending' | 'retrying' | 'overridden' | 'rejected' | 'dead_lettered' | 'resolved';

export const requeueItemStatuses: readonly RequeueItemStatus[] = [
  'pending',
  'retrying',
  'overridden',
  'rejected',
  'dead_lettered',
  'resolved',
];

/** A blocked tool call (one per toolCallId) with its full request and the decision that blocked it. */
@Entity({ name: 'requeue_items' })
export class RequeueItemEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tool_call_id' })
  toolCallId!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'session_id' })
  sessionId!: string;

  @Column('text')
  tool!: string;

  @Column('text')
  status!: RequeueItemStatus;

  /** The tool.call.requested payload exactly as it was blocked. */
  @Column('jsonb')
  request!: Record<string, unknown>;

  @Column('jsonb')
  decision!: Record<string, unknown>;

  @Column('text', { array: true })
  reasons!: string[];

  @Column('integer')
  attempt!: number;

  @Column('timestamptz', { name: 'next_attempt_at', nullable: true })
  nextAttemptAt!: Date | null;

  @Column('uuid', { name: 'blocked_event_id' })
  blockedEventId!: string;

  @Column('text', { name: 'correlation_id' })
  correlationId!: string;

  @Column('uuid', { name: 'resolved_by', nullable: true })
  resolvedBy!: string | null;

  @Column('text', { name: 'resolution_reason', nullable: true })
  resolutionReason!: string | null;

  @Column('timestamptz', { name: 'resolved_at', nullable: true })
  resolvedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
