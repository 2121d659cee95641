import { Injectable } from '@nestjs/common';
import { RedisService, SomaConfig } from '#soma/platform';
import { type StreamEvent } from './stream-event.contract.js';

const key = (sessionId: string) => `soma:replay:${sessionId}`;

/** Per-session replay log in Redis (a sorted set scored by seq), kept for the configured retention. */
@Injectable()
export class ReplayLogRepository {
  private readonly ttlSeconds: number;

  constructor(
    private readonly redis: RedisService,
    config: SomaConfig,
  ) {
    this.ttlSeconds = config.replayRetentionHours * 3600;
  }

  /** Idempotent: every gateway instance appends what it sees; the same seq is stored once. */
  async append(event: StreamEvent): Promise<void> {
    await this.redis.client
      .multi()
      .zadd(key(event.sessionId), 'NX', event.seq, JSON.stringify(event))
      .expire(key(event.sessionId), this.ttlSeconds)
      .exec();
  }

  async readAfter(sessionId: string, afterSeq: number): Promise<StreamEvent[]> {
    const members = await this.redis.client.zrangebyscore(key(sessionId), `(${afterSeq}`, '+inf');
    return members.map((member) => JSON.parse(member) as StreamEvent);
  }
}
