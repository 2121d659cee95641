import { Injectable } from '@nestjs/common';
import { type Envelope, type ToolCallFinished, type ToolCallRequested } from '#soma/contracts';
import { SessionEntity } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { type ToolOutcome } from '../../registry/tool-definition.contract.js';
import { type ToolErrorCode } from '../../tools.errors.js';

/** The answer a replay session gets instead of a run: a recorded result, or an error when none matches. */
export interface RecordedAnswer {
  outcome: ToolOutcome;
  recordedFrom: string | null;
}

interface RecordedRow {
  tool_call_id: string;
  result_envelope: Envelope<string, ToolCallFinished>;
}

/**
 * Serves a replay session's tool calls from the source session's log, when the replay asked for recorded
 * results: the first unserved recorded call of the same tool, preferring one with the same arguments. Each
 * recorded call is served at most once per replay session, in the order it was made.
 */
@Injectable()
export class RecordedToolResults {
  constructor(private readonly dataSource: DataSource) {}

  /** Null when the session is not a replay with recorded results: the call runs for real. */
  async answer(envelope: Envelope<string, ToolCallRequested>): Promise<RecordedAnswer | null> {
    const session = await this.dataSource
      .getRepository(SessionEntity)
      .findOneBy({ id: envelope.sessionId, tenantId: envelope.tenantId });
    if (session?.replaySourceSessionId == null || session.replayToolResults !== 'recorded') return null;
    const { tool } = envelope.payload;
    const rows: RecordedRow[] = await this.dataSource.query(
      `SELECT tc.tool_call_id, tc.result_envelope
         FROM tool_calls tc
        WHERE tc.session_id = $1 AND tc.tenant_id = $2 AND tc.tool = $3
          AND tc.status IN ('ok', 'error') AND tc.result_envelope IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM tool_calls served
                           WHERE served.session_id = $4 AND served.recorded_from = tc.tool_call_id)
        ORDER BY (tc.arguments = $5::jsonb) DESC, tc.created_at ASC
        LIMIT 1`,
      [
        session.replaySourceSessionId,
        envelope.tenantId,
        tool,
        envelope.sessionId,
        JSON.stringify(envelope.payload.arguments),
      ],
    );
    const recorded = rows[0];
    if (!recorded) {
      const code: ToolErrorCode = 'REPLAY_NOT_RECORDED';
      const message = `the recorded session has no unserved ${tool} call to answer this one`;
      return { outcome: { status: 'error', output: null, error: { code, message } }, recordedFrom: null };
    }
    const finished = recorded.result_envelope.payload;
    const outcome: ToolOutcome =
      finished.status === 'ok'
        ? { status: 'ok', output: finished.output }
        : {
            status: 'error',
            output: finished.output,
            error: {
              code: (finished.error?.code ?? 'TOOL_FAILED') as ToolErrorCode,
              message: finished.error?.message ?? 'recorded error',
            },
          };
    return { outcome, recordedFrom: recorded.tool_call_id };
  }
}
