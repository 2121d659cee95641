import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * pending: due at next_attempt_at (a worker that claims one pushes it forward by a lease); delivered: a 2xx;
 * dead_lettered: attempts exhausted, kept in dead_letters for a replay; cancelled: its endpoint was deleted.
 */
export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'dead_lettered' | 'cancelled';

/** One event for one endpoint (unique per endpoint and event id): the webhooks' outbox and their history. */
@Entity({ name: 'webhook_deliveries' })
export class WebhookDeliveryEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'endpoint_id' })
  endpointId!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'event_id' })
  eventId!: string;

  @Column('text', { name: 'event_type' })
  eventType!: string;

  /** The exact bytes POSTed (and signed) on every attempt. */
  @Column('text')
  body!: string;

  @Column('text')
  status!: WebhookDeliveryStatus;

  @Column('integer')
  attempts!: number;

  @Column('timestamptz', { name: 'next_attempt_at', nullable: true })
  nextAttemptAt!: Date | null;

  @Column('integer', { name: 'last_status_code', nullable: true })
  lastStatusCode!: number | null;

  @Column('text', { name: 'last_error', nullable: true })
  lastError!: string | null;

  @Column('timestamptz', { name: 'delivered_at', nullable: true })
  deliveredAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
