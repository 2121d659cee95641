import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type MessageRole = 'system' | 'user' | 'assistant' | 'tool';

@Entity({ name: 'messages' })
export class MessageEntity {
  @PrimaryColumn('uuid')
  id!: string;

  /** Global insertion order; a session's history is ordered by it. */
  @Column({ type: 'bigint', insert: false, update: false })
  position!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'session_id' })
  sessionId!: string;

  @Column('uuid', { name: 'turn_id', nullable: true })
  turnId!: string | null;

  @Column('text')
  role!: MessageRole;

  @Column('text')
  content!: string;

  /** For tool messages: the call whose result this is. */
  @Column('uuid', { name: 'tool_call_id', nullable: true })
  toolCallId!: string | null;

  /** For user messages: intent, sentiment and tags from the preprocessor (or why it is unclassified). */
  /** The Kafka event a message came from (tool results): a redelivery cannot add it twice. */
  @Column('uuid', { name: 'source_event_id', nullable: true })
  sourceEventId!: string | null;

  /** `cancelled` for the partial reply of a cancelled turn, as far as it was streamed. */
  @Column('text', { default: 'complete' })
  status!: 'complete' | 'cancelled';

  @Column('jsonb', { nullable: true })
  classification!: Record<string, unknown> | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
