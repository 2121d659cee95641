import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type ToolCallStatus = 'running' | 'ok' | 'error' | 'blocked' | 'rejected';

/** One tool call, keyed by its idempotency key; the stored result is what a redelivery gets back. */
@Entity({ name: 'tool_calls' })
export class ToolCallEntity {
  @PrimaryColumn('uuid', { name: 'tool_call_id' })
  toolCallId!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'session_id' })
  sessionId!: string;

  @Column('uuid', { name: 'turn_id', nullable: true })
  turnId!: string | null;

  @Column('text')
  tool!: string;

  @Column('jsonb')
  arguments!: Record<string, unknown>;

  @Column('text', { name: 'requested_by' })
  requestedBy!: 'model' | 'user';

  @Column('text')
  status!: ToolCallStatus;

  @Column('integer')
  attempt!: number;

  @Column('uuid', { name: 'grant_id', nullable: true })
  grantId!: string | null;

  @Column('jsonb', { nullable: true })
  decision!: object | null;

  /** The exact tool.call.finished envelope published; a redelivery republishes it unchanged. */
  @Column('jsonb', { name: 'result_envelope', nullable: true })
  resultEnvelope!: object | null;

  /** Where the result came from: the sandbox, or a recorded call served to a replay session. */
  @Column('text', { nullable: true })
  source!: 'sandbox' | 'recorded' | null;

  /** The recorded call whose result a replay session was served. */
  @Column('uuid', { name: 'recorded_from', nullable: true })
  recordedFrom!: string | null;

  /** The executor instance (AppIdentity.instanceId) that claimed the call; null for rows older than leases. */
  @Column('text', { name: 'claimed_by', nullable: true })
  claimedBy!: string | null;

  /** The claim holds until then unless renewed: a running call past it has lost its executor. */
  @Column('timestamptz', { name: 'lease_expires_at', nullable: true })
  leaseExpiresAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'started_at' })
  startedAt!: Date;

  /** How long the tool ran (its queue wait excluded); what the tenant's daily tool-seconds budget counts. */
  @Column('integer', { name: 'run_ms', nullable: true })
  runMs!: number | null;

  @Column('timestamptz', { name: 'completed_at', nullable: true })
  completedAt!: Date | null;
}
