import { Injectable } from '@nestjs/common';
import { type ChatMessage } from '#soma/llm';
import { type TurnEntity } from '#soma/persistence';
import { RedisService, SomaConfig } from '#soma/platform';
import { DataSource } from 'typeorm';

interface HistoryRow {
  turn_id: string;
  role: ChatMessage['role'];
  content: string;
}

const listKey = (sessionId: string) => `soma:history:${sessionId}`;
const completeKey = (sessionId: string) => `soma:history:${sessionId}:complete`;
const TTL_S = 6 * 3600;

/** Finished turns' messages in conversation order: each turn's user message, tool messages, reply. */
const HISTORY_SQL = `
  SELECT m.turn_id, m.role, m.content
  FROM messages m
  JOIN turns t ON t.id = m.turn_id
  WHERE m.session_id = $1 AND t.position < $2 AND t.status IN ('completed', 'failed', 'cancelled')
  ORDER BY t.position, m.position`;

function groupByTurn(rows: readonly HistoryRow[]): ChatMessage[][] {
  const turns: ChatMessage[][] = [];
  let current = '';
  for (const row of rows) {
    if (row.turn_id !== current) turns.push([]);
    current = row.turn_id;
    turns.at(-1)?.push({ role: row.role, content: row.content });
  }
  return turns;
}

/**
 * A session's history for the model. PostgreSQL is the source of truth; Redis keeps the finished turns of
 * recent sessions so a turn usually needs no history query. The cache is only trusted when marked complete.
 */
@Injectable()
export class HistoryRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly redis: RedisService,
    private readonly config: SomaConfig,
  ) {}

  /** Every finished turn before `turn`. */
  async before(turn: TurnEntity): Promise<ChatMessage[][]> {
    const { sessionId } = turn;
    const [complete, cached] = await Promise.all([
      this.redis.client.get(completeKey(sessionId)),
      this.redis.client.lrange(listKey(sessionId), 0, -1),
    ]);
    if (complete !== null) return groupByTurn(cached.map((entry) => JSON.parse(entry) as HistoryRow));
    const rows = await this.dataSource.query<HistoryRow[]>(HISTORY_SQL, [sessionId, turn.position]);
    await this.rebuild(sessionId, rows);
    return groupByTurn(rows);
  }

  /** A turn finished: its messages join the cached history (or the cache is dropped when too long). */
  async appendTurn(sessionId: string, turnId: string, messages: readonly ChatMessage[]): Promise<void> {
    if ((await this.redis.client.exists(completeKey(sessionId))) === 0) return;
    const entries = messages.map((m) =>
      JSON.stringify({ turn_id: turnId, role: m.role, content: m.content }),
    );
    const length = await this.redis.client.rpush(listKey(sessionId), ...entries);
    if (length > this.config.historyCacheSize) await this.invalidate(sessionId);
    else
      await this.redis.client
        .multi()
        .expire(listKey(sessionId), TTL_S)
        .expire(completeKey(sessionId), TTL_S)
        .exec();
  }

  async invalidate(sessionId: string): Promise<void> {
    await this.redis.client.del(completeKey(sessionId), listKey(sessionId));
  }

  private async rebuild(sessionId: string, rows: readonly HistoryRow[]): Promise<void> {
    const multi = this.redis.client.multi().del(listKey(sessionId), completeKey(sessionId));
    if (rows.length <= this.config.historyCacheSize) {
      if (rows.length > 0) multi.rpush(listKey(sessionId), ...rows.map((row) => JSON.stringify(row)));
      multi.expire(listKey(sessionId), TTL_S).set(completeKey(sessionId), '1', 'EX', TTL_S);
    }
    await multi.exec();
  }
}
