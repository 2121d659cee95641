import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'sessions' })
export class SessionEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text', { nullable: true })
  title!: string | null;

  @Column('uuid', { name: 'model_profile_id', nullable: true })
  modelProfileId!: string | null;

  /** The seq of the session's newest journal event: the one counter every outbound event's seq comes from. */
  @Column('bigint', { name: 'last_seq', transformer: { to: (v: number) => v, from: Number } })
  lastSeq!: number;

  /** Set on a replay session: the recorded session whose user messages it re-runs. */
  @Column('uuid', { name: 'replay_source_session_id', nullable: true })
  replaySourceSessionId!: string | null;

  /** `recorded`: tool calls are answered from the source session's log; `live`: they run. */
  @Column('text', { name: 'replay_tool_results', nullable: true })
  replayToolResults!: 'recorded' | 'live' | null;

  /** The API key that created the session: it (or its tenant's admin) answers the session's tool approvals. */
  @Column('uuid', { name: 'owner_key_id', nullable: true })
  ownerKeyId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
