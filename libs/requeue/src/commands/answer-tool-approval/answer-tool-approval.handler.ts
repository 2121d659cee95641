import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { createEnvelope, Topics } from '#soma/contracts';
import {
  AuditRecorder,
  OutboxRelay,
  OverrideGrantEntity,
  type StagedMessage,
  type ToolApprovalEntity,
} from '#soma/persistence';
import { argumentsHash, ToolRegistry } from '#soma/tools';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { mayAnswer } from '../../approvals/approval-access.js';
import { storedRequest } from '../../approvals/stored-request.js';
import { ToolApprovalRepository } from '../../approvals/tool-approval.repository.js';
import { RequeueError } from '../../requeue.errors.js';
import { AnswerToolApprovalCommand, type ToolApprovalAnswered } from './answer-tool-approval.command.js';
import { planAnswer, recordedAnswer, type PlannedAnswer } from './approval-answer.js';

/**
 * One transaction: the guarded pending → answered UPDATE, the audit event, and what the answer does: approve or
 * edit re-publish the call with a single-use grant bound to the arguments it runs with (the executor still asks
 * policy: a deny stays a deny); reject ends the call with status rejected and the user's message.
 */
@CommandHandler(AnswerToolApprovalCommand)
export class AnswerToolApprovalHandler implements ICommandHandler<
  AnswerToolApprovalCommand,
  ToolApprovalAnswered
> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxRelay,
    private readonly approvals: ToolApprovalRepository,
    private readonly registry: ToolRegistry,
    private readonly audit: AuditRecorder,
  ) {}

  async execute(command: AnswerToolApprovalCommand): Promise<ToolApprovalAnswered> {
    const { actor, sessionId, toolCallId, answer, correlationId } = command;
    const session = await this.approvals.session(actor.tenantId, sessionId);
    const approval = mayAnswer(session, actor)
      ? await this.approvals.find(actor.tenantId, sessionId, toolCallId)
      : null;
    if (!approval)
      throw new RequeueError('APPROVAL_NOT_FOUND', `no approval of tool call ${toolCallId} here`);
    const planned = planAnswer(
      storedRequest(approval.request),
      answer,
      await this.registry.forTenant(actor.tenantId),
    );
    const done = await this.dataSource.transaction(async (manager) => {
      if (!(await this.approvals.answer(manager, approval.id, recordedAnswer(planned, actor.keyId))))
        return undefined;
      const { staged, grantId } = await this.stageOutcome(manager, approval, planned, actor.keyId);
      const audited = await this.audit.record(manager, actor, {
        action: `approval.${planned.status}`,
        subject: { type: 'tool_approval', id: approval.id },
        reason: planned.status === 'rejected' ? planned.message : `${planned.status} in the chat`,
        detail: { toolCallId, tool: approval.tool, turnId: approval.turnId, grantId, answer },
        tenantId: approval.tenantId,
        sessionId,
        correlationId,
      });
      return { auditId: audited.auditId, grantId, staged: [audited.staged, staged] };
    });
    if (!done) return this.refuse(approval);
    await this.outbox.flush(done.staged).catch(() => undefined); // the outbox sweep publishes it otherwise
    return { toolCallId, status: planned.status, grantId: done.grantId, auditId: done.auditId };
  }

  private async stageOutcome(
    manager: EntityManager,
    approval: ToolApprovalEntity,
    planned: PlannedAnswer,
    grantedBy: string,
  ): Promise<{ staged: StagedMessage; grantId: string | null }> {
    const request = storedRequest(approval.request);
    const context = {
      tenantId: approval.tenantId,
      sessionId: approval.sessionId,
      correlationId: approval.correlationId,
    };
    if (planned.status === 'rejected') {
      const result = createEnvelope('tool.call.finished', context, {
        toolCallId: approval.toolCallId,
        turnId: approval.turnId,
        tool: approval.tool,
        status: 'rejected',
        output: { message: planned.message },
        error: null,
        decision: null,
        durationMs: 0,
      });
      await this.approvals.recordRejection(manager, approval.toolCallId, result);
      return { staged: await this.outbox.stage(manager, Topics.toolResults, result), grantId: null };
    }
    const grantId = randomUUID();
    const hash = argumentsHash(planned.run);
    await manager.insert(OverrideGrantEntity, {
      grantId,
      requeueItemId: null,
      approvalId: approval.id,
      tenantId: approval.tenantId,
      toolCallId: approval.toolCallId,
      argumentsHash: hash,
      grantedBy,
    });
    const call = createEnvelope('tool.call.requested', context, {
      ...request,
      arguments: planned.run,
      grant: { grantId, argumentsHash: hash },
    });
    return { staged: await this.outbox.stage(manager, Topics.toolRequests, call), grantId };
  }

  /** The answer came second, or late: 409 with the recorded answer, or the approval expired. */
  private async refuse(approval: ToolApprovalEntity): Promise<never> {
    const current = await this.approvals.find(approval.tenantId, approval.sessionId, approval.toolCallId);
    if (!current || current.status === 'pending' || current.status === 'expired') {
      await this.approvals.expire(approval.id);
      throw new RequeueError('APPROVAL_EXPIRED', `the approval of tool call ${approval.toolCallId} expired`);
    }
    throw new RequeueError(
      'APPROVAL_ALREADY_ANSWERED',
      `the approval of tool call ${approval.toolCallId} was answered already (${current.status})`,
      { status: current.status, answeredAt: current.answeredAt?.toISOString() ?? null },
    );
  }
}
