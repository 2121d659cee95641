import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { OPEN_TURN_STATUSES, SessionEntity } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { ConversationError } from '../../conversation.errors.js';
import { GetOpenTurnQuery, type OpenTurnStream } from './get-open-turn.query.js';

@QueryHandler(GetOpenTurnQuery)
export class GetOpenTurnHandler implements IQueryHandler<GetOpenTurnQuery, OpenTurnStream | null> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ tenantId, sessionId }: GetOpenTurnQuery): Promise<OpenTurnStream | null> {
    const session = await this.dataSource.getRepository(SessionEntity).findOneBy({ id: sessionId, tenantId });
    if (!session) throw new ConversationError('SESSION_NOT_FOUND', `session ${sessionId} not found`);
    // One statement, one snapshot: a turn with no event in it has none at or before the last_seq read with it.
    const rows = await this.dataSource.query<{ turn_id: string; after_seq: string }[]>(
      `SELECT t.id AS turn_id,
              COALESCE((SELECT min(e.seq) FROM session_events e WHERE e.turn_id = t.id) - 1, s.last_seq) AS after_seq
         FROM turns t JOIN sessions s ON s.id = t.session_id
        WHERE t.session_id = $1 AND t.tenant_id = $2 AND t.status = ANY($3)
        ORDER BY (t.status = 'queued'), t.position
        LIMIT 1`,
      [sessionId, tenantId, OPEN_TURN_STATUSES],
    );
    const row = rows[0];
    return row ? { turnId: row.turn_id, afterSeq: Number(row.after_seq) } : null;
  }
}
