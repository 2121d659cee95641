import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type DocumentSource = 'ingest' | 'fetch';

/** A text the tenant ingested or fetched; web.search finds it by PostgreSQL full-text search (column tsv). */
@Entity({ name: 'documents' })
export class DocumentEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text')
  source!: DocumentSource;

  @Column('text')
  title!: string;

  @Column('text', { nullable: true })
  url!: string | null;

  @Column('text')
  content!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
