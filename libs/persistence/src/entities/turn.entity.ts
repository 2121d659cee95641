import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type TurnStatus = 'queued' | 'running' | 'awaiting_tool' | 'completed' | 'failed' | 'cancelled';

/** Statuses of a turn that has not ended: queued, or held by a run, or waiting for a tool. */
export const OPEN_TURN_STATUSES: readonly TurnStatus[] = ['queued', 'running', 'awaiting_tool'];

/** Statuses a turn never leaves. */
export const FINAL_TURN_STATUSES: readonly TurnStatus[] = ['completed', 'failed', 'cancelled'];

/** Who asked for a turn to be cancelled. */
export interface TurnCanceller {
  role: 'admin' | 'user';
  keyId: string | null;
  /** How: an API call, a message that interrupted it (ifBusy), or a client that disconnected. */
  via: 'api' | 'socket' | 'interrupt' | 'disconnect';
}

/**
 * The tools a turn may use, narrowing its model profile's (the OpenAI route's `tools` / `tool_choice`): the
 * profile's tools that are named here, and how the model chooses (`none`: no tool at all).
 */
export interface TurnToolAllowance {
  tools: string[];
  choice: 'auto' | 'none' | 'required';
}

@Entity({ name: 'turns' })
export class TurnEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'session_id' })
  sessionId!: string;

  /** Null for a turn started by a tool result (a user's explicit tool call, or a call an admin approved). */
  @Column('uuid', { name: 'user_message_id', nullable: true })
  userMessageId!: string | null;

  /** Conversation order of the session's turns. */
  @Column({ type: 'bigint', insert: false, update: false })
  position!: string;

  /** While awaiting_tool: the call whose result resumes the turn. */
  @Column('uuid', { name: 'pending_tool_call_id', nullable: true })
  pendingToolCallId!: string | null;

  @Column('uuid', { name: 'assistant_message_id', nullable: true })
  assistantMessageId!: string | null;

  @Column('text')
  status!: TurnStatus;

  @Column('text', { name: 'error_code', nullable: true })
  errorCode!: string | null;

  @Column('text', { name: 'error_message', nullable: true })
  errorMessage!: string | null;

  @Column('int', { name: 'prompt_tokens', nullable: true })
  promptTokens!: number | null;

  @Column('int', { name: 'completion_tokens', nullable: true })
  completionTokens!: number | null;

  @Column('uuid', { name: 'model_profile_id', nullable: true })
  modelProfileId!: string | null;

  /** The worker instance generating it, and until when; a lapsed lease means the worker was lost. */
  @Column('text', { name: 'lease_owner', nullable: true })
  leaseOwner!: string | null;

  @Column('timestamptz', { name: 'lease_expires_at', nullable: true })
  leaseExpiresAt!: Date | null;

  /** Which run of the turn this is: 1, then one more each time another run takes over a lost one. */
  @Column('int')
  attempt!: number;

  /** The exact context sent to the model, its token count and digest, and how many messages were dropped. */
  @Column('jsonb', { nullable: true })
  context!: { role: string; content: string }[] | null;

  @Column('int', { name: 'context_tokens', nullable: true })
  contextTokens!: number | null;

  @Column('text', { name: 'context_digest', nullable: true })
  contextDigest!: string | null;

  @Column('int', { name: 'dropped_messages', nullable: true })
  droppedMessages!: number | null;

  @Column('timestamptz', { name: 'generation_started_at', nullable: true })
  generationStartedAt!: Date | null;

  @Column('timestamptz', { name: 'generation_ended_at', nullable: true })
  generationEndedAt!: Date | null;

  /** Set once, when a cancel is asked for: from then on no run may stream for it, and it ends `cancelled`. */
  @Column('timestamptz', { name: 'cancel_requested_at', nullable: true })
  cancelRequestedAt!: Date | null;

  @Column('jsonb', { name: 'cancelled_by', nullable: true })
  cancelledBy!: TurnCanceller | null;

  @Column('text', { name: 'idempotency_key', nullable: true })
  idempotencyKey!: string | null;

  /** NULL: the model profile's tools and choice. */
  @Column('jsonb', { name: 'tool_allowance', nullable: true })
  toolAllowance!: TurnToolAllowance | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'started_at', nullable: true })
  startedAt!: Date | null;

  @Column('timestamptz', { name: 'completed_at', nullable: true })
  completedAt!: Date | null;
}
