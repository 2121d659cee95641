import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One line per finished or failed turn: the tokens it really used. The budget's source of truth. */
@Entity({ name: 'usage_ledger' })
export class UsageLedgerEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'session_id' })
  sessionId!: string;

  @Column('uuid', { name: 'turn_id' })
  turnId!: string;

  @Column('uuid', { name: 'model_profile_id', nullable: true })
  modelProfileId!: string | null;

  @Column('date')
  day!: string;

  @Column('int', { name: 'prompt_tokens' })
  promptTokens!: number;

  @Column('int', { name: 'completion_tokens' })
  completionTokens!: number;

  @Column('numeric', { transformer: { to: (v: number) => v, from: Number } })
  cost!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
