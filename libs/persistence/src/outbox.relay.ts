import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type Envelope } from '#soma/contracts';
import { KafkaClient } from '#soma/platform';
import { DataSource, type EntityManager } from 'typeorm';
import { OutboxEntity } from './entities/outbox.entity.js';

const SWEEP_MS = 1000;

export interface StagedMessage {
  id: string;
  topic: string;
  messageKey: string;
  envelope: object;
}
const STALE_MS = 2000;

/** Writes a message in the caller's transaction; a relay publishes it (`flush` after the commit, or the sweep). */
export async function stageOutboxMessage(
  manager: EntityManager,
  topic: string,
  envelope: Envelope,
  key = envelope.sessionId,
): Promise<StagedMessage> {
  const result = await manager.insert(OutboxEntity, { topic, messageKey: key, envelope });
  return { id: (result.identifiers[0] as { id: string }).id, topic, messageKey: key, envelope };
}

/**
 * Transactional outbox: callers write rows in their transaction with `stage`, then `flush` after commit.
 * A sweep republishes rows a crashed process left behind (consumers are idempotent on eventId).
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private timer: NodeJS.Timeout | undefined;
  private sweeping = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly kafka: KafkaClient,
  ) {}

  /** Writes the message in the caller's transaction; publish it with `flush` after the commit. */
  async stage(
    manager: EntityManager,
    topic: string,
    envelope: Envelope,
    key = envelope.sessionId,
  ): Promise<StagedMessage> {
    return stageOutboxMessage(manager, topic, envelope, key);
  }

  /** Publishes staged messages right after their transaction committed (no re-read). */
  async flush(staged: readonly StagedMessage[]): Promise<void> {
    await this.publish(staged);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      void this.sweep();
    }, SWEEP_MS);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      await this.dataSource.transaction(async (manager) => {
        const rows = await manager
          .createQueryBuilder(OutboxEntity, 'o')
          .where('o.published_at IS NULL AND o.created_at < now() - make_interval(secs => :secs)', {
            secs: STALE_MS / 1000,
          })
          .orderBy('o.id')
          .limit(100)
          .setLock('pessimistic_write')
          .setOnLocked('skip_locked')
          .getMany();
        await this.publish(rows, manager);
      });
    } catch (error) {
      this.logger.warn({ msg: 'outbox sweep failed', error: (error as Error).message });
    } finally {
      this.sweeping = false;
    }
  }

  private async publish(
    rows: readonly StagedMessage[],
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    if (rows.length === 0) return;
    const byTopic = new Map<string, StagedMessage[]>();
    for (const row of rows) byTopic.set(row.topic, [...(byTopic.get(row.topic) ?? []), row]);
    for (const [topic, topicRows] of byTopic) {
      await this.kafka.send(
        topic,
        topicRows.map((row) => ({ key: row.messageKey, value: JSON.stringify(row.envelope) })),
      );
    }
    await manager
      .createQueryBuilder()
      .update(OutboxEntity)
      .set({ publishedAt: () => 'now()' })
      .where('id IN (:...ids) AND published_at IS NULL', { ids: rows.map((row) => row.id) })
      .execute();
  }
}
