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

  /** The highest seq published for this session (restores the Redis counter if Redis lost it). */
  @Column('bigint', { name: 'last_seq', transformer: { to: (v: number) => v, from: Number } })
  lastSeq!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
