import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { type Envelope, type ToolCallFinished } from '#soma/contracts';
import {
  keysetPage,
  PolicyDecisionEntity,
  SessionEntity,
  ToolCallEntity,
  type KeysetPage,
} from '#soma/persistence';
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

const order = {
  keys: [
    { expr: 'c.created_at', type: 'timestamptz' },
    { expr: 'c.tool_call_id', type: 'uuid' },
  ],
  direction: 'ASC',
} as const;

@QueryHandler(ListToolCallsQuery)
export class ListToolCallsHandler implements IQueryHandler<ListToolCallsQuery, KeysetPage<ToolCallView>> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ tenantId, sessionId, page }: ListToolCallsQuery): Promise<KeysetPage<ToolCallView>> {
    const exists = await this.dataSource.getRepository(SessionEntity).existsBy({ id: sessionId, tenantId });
    if (!exists) throw new ToolError('SESSION_NOT_FOUND', `session ${sessionId} not found`);
    const query = this.dataSource
      .getRepository(ToolCallEntity)
      .createQueryBuilder('c')
      .where('c.tenant_id = :tenantId AND c.session_id = :sessionId', { tenantId, sessionId });
    const { items: calls, next } = await keysetPage(query, order, page, (call) => call);
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
    const items = calls.map((call): ToolCallView => {
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
    return { items, next };
  }
}
