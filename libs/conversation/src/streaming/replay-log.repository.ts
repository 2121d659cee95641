import { Injectable, Logger } from '@nestjs/common';
import { type TopicEnvelope } from '#soma/contracts';
import { RedisService, SomaConfig } from '#soma/platform';
import { DataSource } from 'typeorm';
import { toStreamEvent, type StreamEvent } from './stream-event.contract.js';

const key = (sessionId: string) => `soma:replay:${sessionId}`;

/**
 * What a (re)connecting client missed. Redis keeps a per-session replay log (a sorted set scored by seq) for
 * fast reads; the session event journal in PostgreSQL is the complete record, read when Redis is down, lost
 * its data (a restart) or has a hole.
 */
@Injectable()
export class ReplayLogRepository {
  private readonly logger = new Logger(ReplayLogRepository.name);
  private readonly ttlSeconds: number;
  /** The most events one read returns: a replay goes page by page, never the whole log at once. */
  readonly pageSize: number;
  /** A page also stops once it passes this many bytes (half a client's buffer bound): a page never overflows it. */
  private readonly pageBytes: number;

  constructor(
    private readonly redis: RedisService,
    private readonly dataSource: DataSource,
    config: SomaConfig,
  ) {
    this.ttlSeconds = config.replayRetentionHours * 3600;
    this.pageSize = config.streamReplayPageSize;
    this.pageBytes = Math.floor(config.streamMaxBufferBytes / 2);
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

  /**
   * The next page: the events after `afterSeq` (and before `beforeSeq`), in order and without holes, as far as
   * recorded, at most `pageSize` of them. Fewer than a page (none included) means there is no more yet.
   */
  async readAfter(sessionId: string, afterSeq: number, beforeSeq?: number): Promise<StreamEvent[]> {
    const cached = await this.readRedis(sessionId, afterSeq, beforeSeq);
    const contiguous: StreamEvent[] = [];
    for (const event of cached?.events ?? []) {
      if (event.seq !== afterSeq + contiguous.length + 1) break;
      contiguous.push(event);
    }
    const complete =
      cached !== undefined &&
      contiguous.length === cached.events.length &&
      (cached.full ||
        (beforeSeq === undefined ? contiguous.length > 0 : afterSeq + contiguous.length + 1 >= beforeSeq));
    if (complete) return contiguous;
    const from = afterSeq + contiguous.length;
    const rest = await this.readJournal(sessionId, from, beforeSeq, this.pageSize - contiguous.length);
    return [...contiguous, ...rest];
  }

  /** The journal, the durable record every outbound event is written to before it is published. */
  async readJournal(
    sessionId: string,
    afterSeq: number,
    beforeSeq: number | undefined,
    limit: number,
  ): Promise<StreamEvent[]> {
    const rows = await this.dataSource.query<
      { envelope: TopicEnvelope<'conversation.outbound'>; bytes: number }[]
    >(
      `SELECT envelope, octet_length(envelope::text) AS bytes FROM session_events
       WHERE session_id = $1 AND seq > $2 AND seq < $3 ORDER BY seq LIMIT $4`,
      [sessionId, afterSeq, beforeSeq ?? Number.MAX_SAFE_INTEGER, limit],
    );
    return this.fitPage(rows, (row) => row.bytes).map((row) => toStreamEvent(row.envelope));
  }

  /** The longest prefix within the page's byte budget (at least one item). */
  private fitPage<T>(items: T[], bytes: (item: T) => number): T[] {
    let total = 0;
    let count = 0;
    for (const item of items) {
      total += bytes(item);
      if (total > this.pageBytes && count > 0) break;
      count++;
    }
    return count === items.length ? items : items.slice(0, count);
  }

  private async readRedis(
    sessionId: string,
    afterSeq: number,
    beforeSeq: number | undefined,
  ): Promise<{ events: StreamEvent[]; full: boolean } | undefined> {
    try {
      const max = beforeSeq === undefined ? '+inf' : `(${beforeSeq}`;
      const members = await this.redis.client.zrangebyscore(
        key(sessionId),
        `(${afterSeq}`,
        max,
        'LIMIT',
        0,
        this.pageSize,
      );
      const page = this.fitPage(members, (member) => member.length);
      const full = page.length === this.pageSize || page.length < members.length;
      return { events: page.map((member) => JSON.parse(member) as StreamEvent), full };
    } catch (error) {
      this.logger.warn({
        msg: 'replay log unavailable; reading the journal',
        error: (error as Error).message,
      });
      return undefined;
    }
  }
}
