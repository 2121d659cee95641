import { Injectable, Logger } from '@nestjs/common';
import { type TopicEnvelope } from '#soma/contracts';
import { RedisService, SomaConfig } from '#soma/platform';
import { DataSource } from 'typeorm';
import { toStreamEvent, type StreamEvent } from './stream-event.contract.js';

const key = (sessionId: string) => `soma:replay:${sessionId}`;
const JOURNAL_READ_LIMIT = 5000;

/**
 * What a (re)connecting client missed. Redis keeps a per-session replay log (a sorted set scored by seq) for
 * fast reads; the session event journal in PostgreSQL is the complete record, read when Redis is down, lost
 * its data (a restart) or has a hole.
 */
@Injectable()
export class ReplayLogRepository {
  private readonly logger = new Logger(ReplayLogRepository.name);
  private readonly ttlSeconds: number;

  constructor(
    private readonly redis: RedisService,
    private readonly dataSource: DataSource,
    config: SomaConfig,
  ) {
    this.ttlSeconds = config.replayRetentionHours * 3600;
  }

  /** Idempotent: the same seq is stored once. Throws when Redis cannot take it (the writer retries). */
  async append(events: readonly StreamEvent[]): Promise<void> {
    if (events.length === 0) return;
    const multi = this.redis.client.multi();
    for (const event of events) multi.zadd(key(event.sessionId), 'NX', event.seq, JSON.stringify(event));
    for (const sessionId of new Set(events.map((event) => event.sessionId)))
      multi.expire(key(sessionId), this.ttlSeconds);
    const results = await multi.exec();
    const failed = results?.find(([error]) => error !== null)?.[0];
    if (failed) throw failed;
  }

  /** Every event after `afterSeq` (and before `beforeSeq`), in order and without holes, as far as recorded. */
  async readAfter(sessionId: string, afterSeq: number, beforeSeq?: number): Promise<StreamEvent[]> {
    const cached = await this.readRedis(sessionId, afterSeq, beforeSeq);
    const contiguous: StreamEvent[] = [];
    for (const event of cached ?? []) {
      if (event.seq !== afterSeq + contiguous.length + 1) break;
      contiguous.push(event);
    }
    const complete =
      cached !== undefined &&
      contiguous.length === cached.length &&
      (beforeSeq === undefined ? contiguous.length > 0 : afterSeq + contiguous.length + 1 >= beforeSeq);
    if (complete) return contiguous;
    const from = afterSeq + contiguous.length;
    return [...contiguous, ...(await this.readJournal(sessionId, from, beforeSeq))];
  }

  /** The journal, the durable record every outbound event is written to before it is published. */
  async readJournal(sessionId: string, afterSeq: number, beforeSeq?: number): Promise<StreamEvent[]> {
    const rows = await this.dataSource.query<{ envelope: TopicEnvelope<'conversation.outbound'> }[]>(
      `SELECT envelope FROM session_events WHERE session_id = $1 AND seq > $2 AND seq < $3
       ORDER BY seq LIMIT ${JOURNAL_READ_LIMIT}`,
      [sessionId, afterSeq, beforeSeq ?? Number.MAX_SAFE_INTEGER],
    );
    return rows.map((row) => toStreamEvent(row.envelope));
  }

  private async readRedis(
    sessionId: string,
    afterSeq: number,
    beforeSeq: number | undefined,
  ): Promise<StreamEvent[] | undefined> {
    try {
      const max = beforeSeq === undefined ? '+inf' : `(${beforeSeq}`;
      const members = await this.redis.client.zrangebyscore(key(sessionId), `(${afterSeq}`, max);
      return members.map((member) => JSON.parse(member) as StreamEvent);
    } catch (error) {
      this.logger.warn({
        msg: 'replay log unavailable; reading the journal',
        error: (error as Error).message,
      });
      return undefined;
    }
  }
}
