import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { type Envelope, type ToolCallFinished } from '#soma/contracts';
import { PolicyDecisionEntity, SessionEntity, ToolCallEntity } from '#soma/persistence';
import { DataSource, In } from 'typeorm';
import { ToolError } from '../../tools.errors.js';
import { ListToolCallsQuery } from './list-tool-calls.query.js';
import { type DecisionView, type ToolCallView } from './tool-call.view.js';

const toDecision = (row: PolicyDecisionEntity): DecisionView => ({
  outcome: row.outcome,
  mode: row.mode,
  ruleIds: row.ruleIds,
  reasons: row.reasons,
  cached: row.cached,
  transient: row.transient,
  attempt: row.attempt,
  decidedAt: row.decidedAt.toISOString(),
});

@QueryHandler(ListToolCallsQuery)
export class ListToolCallsHandler implements IQueryHandler<ListToolCallsQuery, ToolCallView[]> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ tenantId, sessionId }: ListToolCallsQuery): Promise<ToolCallView[]> {
    const exists = await this.dataSource.getRepository(SessionEntity).existsBy({ id: sessionId, tenantId });
    if (!exists) throw new ToolError('SESSION_NOT_FOUND', `session ${sessionId} not found`);
    const calls = await this.dataSource.getRepository(ToolCallEntity).find({
      where: { tenantId, sessionId },
      order: { createdAt: 'ASC', toolCallId: 'ASC' },
    });
    const rows = calls.length
      ? await this.dataSource.getRepository(PolicyDecisionEntity).find({
          where: { tenantId, toolCallId: In(calls.map((call) => call.toolCallId)) },
          order: { decidedAt: 'ASC' },
        })
      : [];
    const decisions = new Map<string, DecisionView[]>();
    for (const row of rows) {
      const ofCall = decisions.get(row.toolCallId) ?? [];
      ofCall.push(toDecision(row));
      decisions.set(row.toolCallId, ofCall);
    }
    return calls.map((call) => {
      const finished = (call.resultEnvelope as Envelope<string, ToolCallFinished> | null)?.payload;
      return {
        toolCallId: call.toolCallId,
        turnId: call.turnId,
        tool: call.tool,
        arguments: call.arguments,
        requestedBy: call.requestedBy,
        status: call.status,
        attempt: call.attempt,
        output: finished?.output ?? null,
        error: finished?.error ?? null,
        decisions: decisions.get(call.toolCallId) ?? [],
        source: call.source,
        recordedFrom: call.recordedFrom,
        createdAt: call.createdAt.toISOString(),
        completedAt: call.completedAt?.toISOString() ?? null,
      };
    });
  }
}
