import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { type Admin } from 'kafkajs';
import { type Gauge } from 'prom-client';
import { SomaConfig } from '../config/soma.config.js';
import { KafkaClient } from './kafka.client.js';

export const CONSUMER_LAG_METRIC = 'kafka_consumer_group_lag';

/** Messages behind the end of each partition, summed per topic: what a partition without a commit holds. */
function lagOf(
  ends: readonly { partition: number; high: string; low: string }[],
  committed: readonly { partition: number; offset: string }[],
): number {
  let lag = 0;
  for (const end of ends) {
    const at = Number(committed.find((c) => c.partition === end.partition)?.offset ?? '-1');
    lag += Math.max(0, Number(end.high) - (at < 0 ? Number(end.low) : at));
  }
  return lag;
}

/**
 * Measures, every SOMA_KAFKA_LAG_INTERVAL_MS, how far each consumer group of this app is behind on each of its
 * topics (`kafka_consumer_group_lag{group,topic}`), from the group's committed offsets and the partitions' ends.
 * A failed measurement keeps the last values and is logged; it never touches consumption.
 */
@Injectable()
export class ConsumerLagMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ConsumerLagMonitor.name);
  private admin: Admin | undefined;
  private timer: NodeJS.Timeout | undefined;
  private measuring = false;

  constructor(
    private readonly kafka: KafkaClient,
    private readonly config: SomaConfig,
    @InjectMetric(CONSUMER_LAG_METRIC) private readonly lag: Gauge<'group' | 'topic'>,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.kafkaLagIntervalMs === 0) return;
    this.timer = setInterval(() => void this.measure(), this.config.kafkaLagIntervalMs);
    this.timer.unref();
  }

  async measure(): Promise<void> {
    if (this.measuring || this.kafka.groupIds.length === 0) return;
    this.measuring = true;
    try {
      this.admin ??= this.kafka.kafka.admin();
      await this.admin.connect();
      for (const groupId of this.kafka.groupIds) {
        for (const { topic, partitions } of await this.admin.fetchOffsets({ groupId })) {
          const ends = await this.admin.fetchTopicOffsets(topic);
          this.lag.set({ group: groupId, topic }, lagOf(ends, partitions));
        }
      }
    } catch (error) {
      this.logger.warn({ msg: 'consumer lag not measured', error: (error as Error).message });
    } finally {
      this.measuring = false;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.admin?.disconnect().catch(() => undefined);
  }
}
