import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { createEnvelope, Topics, type ToolCallRequested } from '#soma/contracts';
import { MessageEntity, OutboxRelay, SessionEntity } from '#soma/persistence';
import { policyContextOf } from '#soma/policy';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ToolRegistry } from '../../registry/tool.registry.js';
import { ToolError } from '../../tools.errors.js';
import { budgetMessage, secondsUntilReset, ToolTimeBudget } from '../../budget/tool-time-budget.js';
import { RequestToolCallCommand, type ToolCallAccepted } from './request-tool-call.command.js';

/**
 * Checks the tool, its arguments and the tenant's tool-seconds budget up front (a clear 4xx), then stages the
 * request on tool.requests.
 */
@CommandHandler(RequestToolCallCommand)
export class RequestToolCallHandler implements ICommandHandler<RequestToolCallCommand, ToolCallAccepted> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxRelay,
    private readonly registry: ToolRegistry,
    private readonly budget: ToolTimeBudget,
  ) {}

  async execute(command: RequestToolCallCommand): Promise<ToolCallAccepted> {
    const { tenantId, sessionId, tool, args, principal, correlationId } = command;
    const checked = (await this.registry.forTenant(tenantId)).check(tool, args);
    if (!checked.ok) throw new ToolError(checked.code, checked.message, { errors: checked.errors });
    // Refused up front (429) when the tenant's tool seconds are used up; the executor checks again.
    const exhausted = await this.budget.exhausted(tenantId);
    if (exhausted) {
      const meta = { ...exhausted, retryAfterSeconds: secondsUntilReset() };
      throw new ToolError('BUDGET_EXCEEDED', budgetMessage(exhausted), meta);
    }
    const toolCallId = randomUUID();
    const payload: ToolCallRequested = {
      toolCallId,
      turnId: null,
      tool,
      arguments: args,
      requestedBy: 'user',
      principal,
      context: {},
      attempt: 1,
    };
    const outboxId = await this.dataSource.transaction(async (manager) => {
      const session = await manager.findOneBy(SessionEntity, { id: sessionId, tenantId });
      if (!session) throw new ToolError('SESSION_NOT_FOUND', `session ${sessionId} not found`);
      // Policy sees what the preprocessor made of the user's latest message (intent, sentiment, tags), or that
      // it could not say.
      const latest = await manager.findOne(MessageEntity, {
        where: { sessionId, role: 'user' },
        order: { position: 'DESC' },
      });
      const context = policyContextOf(latest?.classification);
      const envelope = createEnvelope(
        'tool.call.requested',
        { tenantId, sessionId, correlationId },
        { ...payload, context },
      );
      return this.outbox.stage(manager, Topics.toolRequests, envelope);
    });
    await this.outbox.flush([outboxId]);
    return { toolCallId };
  }
}
