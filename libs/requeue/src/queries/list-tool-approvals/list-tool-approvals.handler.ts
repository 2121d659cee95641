import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { type KeysetPage } from '#soma/persistence';
import { mayAnswer } from '../../approvals/approval-access.js';
import { ToolApprovalRepository } from '../../approvals/tool-approval.repository.js';
import { toolApprovalView, type ToolApprovalView } from '../../approvals/tool-approval.view.js';
import { RequeueError } from '../../requeue.errors.js';
import { ListToolApprovalsQuery } from './list-tool-approvals.query.js';

@QueryHandler(ListToolApprovalsQuery)
export class ListToolApprovalsHandler implements IQueryHandler<
  ListToolApprovalsQuery,
  KeysetPage<ToolApprovalView>
> {
  constructor(private readonly approvals: ToolApprovalRepository) {}

  async execute({
    actor,
    sessionId,
    page,
    status,
  }: ListToolApprovalsQuery): Promise<KeysetPage<ToolApprovalView>> {
    const session = await this.approvals.session(actor.tenantId, sessionId);
    // Someone who may not answer the session's approvals does not learn that the session exists.
    if (!mayAnswer(session, actor))
      throw new RequeueError('APPROVAL_NOT_FOUND', `session ${sessionId} not found`);
    const rows = await this.approvals.list(actor.tenantId, sessionId, status, page);
    return { items: rows.items.map((row) => toolApprovalView(row)), next: rows.next };
  }
}
