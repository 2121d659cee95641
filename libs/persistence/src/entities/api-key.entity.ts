import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type ApiKeyRole = 'admin' | 'user';

/** An API key; only its SHA-256 hash is stored (keys are 256-bit random, so a slow hash adds nothing). */
@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text')
  name!: string;

  @Column('text')
  role!: ApiKeyRole;

  @Column('text', { name: 'key_hash' })
  keyHash!: string;

  @Column('text', { name: 'key_prefix' })
  keyPrefix!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;
}
