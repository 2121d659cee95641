import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A note written by memory.write, kept per tenant and session; searched by full-text (column tsv). */
@Entity({ name: 'memory_notes' })
export class MemoryNoteEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'session_id' })
  sessionId!: string;

  @Column('text')
  content!: string;

  @Column('text', { array: true })
  tags!: string[];

  @Column('uuid', { name: 'tool_call_id', nullable: true })
  toolCallId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
