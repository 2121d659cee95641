import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type DeadLetterStatus = 'stored' | 'replayed';

/** A message some consumer could not process, as it was (raw bytes), with the reason code and its origin. */
@Entity({ name: 'dead_letters' })
export class DeadLetterEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { name: 'dlq_topic' })
  dlqTopic!: string;

  /** Null for a letter that never was on Kafka (a webhook delivery that ran out of attempts). */
  @Column('integer', { name: 'dlq_partition', nullable: true })
  dlqPartition!: number | null;

  @Column('bigint', { name: 'dlq_offset', nullable: true })
  dlqOffset!: string | null;

  @Column('text', { name: 'source_topic' })
  sourceTopic!: string;

  /** topic/partition/offset of the original message, when the dead-lettering consumer said. */
  @Column('text', { nullable: true })
  source!: string | null;

  @Column('text')
  reason!: string;

  @Column('text')
  detail!: string;

  @Column('text', { nullable: true })
  app!: string | null;

  @Column('text', { name: 'message_key', nullable: true })
  messageKey!: string | null;

  @Column('bytea', { nullable: true })
  value!: Buffer | null;

  @Column('jsonb')
  headers!: Record<string, string>;

  @Column('uuid', { name: 'event_id', nullable: true })
  eventId!: string | null;

  @Column('uuid', { name: 'tenant_id', nullable: true })
  tenantId!: string | null;

  @Column('uuid', { name: 'session_id', nullable: true })
  sessionId!: string | null;

  /** The webhook delivery this letter is (a replay re-delivers it); null for a Kafka message. */
  @Column('uuid', { name: 'webhook_delivery_id', nullable: true })
  webhookDeliveryId!: string | null;

  @Column('text')
  status!: DeadLetterStatus;

  @Column('timestamptz', { name: 'replayed_at', nullable: true })
  replayedAt!: Date | null;

  @Column('uuid', { name: 'replayed_by', nullable: true })
  replayedBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
