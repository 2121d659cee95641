import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A tenant's webhook: where to POST which event types, with the signing secret sealed (AES-256-GCM). */
@Entity({ name: 'webhook_endpoints' })
export class WebhookEndpointEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text')
  url!: string;

  @Column('text', { name: 'event_types', array: true })
  eventTypes!: string[];

  @Column('text', { nullable: true })
  description!: string | null;

  /** iv (12 bytes) | auth tag (16 bytes) | ciphertext of the secret; the key is SOMA_WEBHOOK_SECRET_KEY. */
  @Column('bytea', { name: 'secret_sealed' })
  secretSealed!: Buffer;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** Deleted endpoints are kept (their deliveries stay readable) but receive nothing. */
  @Column('timestamptz', { name: 'deleted_at', nullable: true })
  deletedAt!: Date | null;
}
