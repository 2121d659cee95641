import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type TurnStatus = 'queued' | 'running' | 'completed' | 'failed';

@Entity({ name: 'turns' })
export class TurnEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'session_id' })
  sessionId!: string;

  @Column('uuid', { name: 'user_message_id' })
  userMessageId!: string;

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

  @Column('text', { name: 'idempotency_key', nullable: true })
  idempotencyKey!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'started_at', nullable: true })
  startedAt!: Date | null;

  @Column('timestamptz', { name: 'completed_at', nullable: true })
  completedAt!: Date | null;
}
