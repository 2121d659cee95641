import { Query } from '@nestjs/cqrs';
import { type ApprovalStatus } from '#soma/contracts';
import { type Actor } from '../../actor.contract.js';
import { type ToolApprovalView } from '../../approvals/tool-approval.view.js';

/** A session's tool approvals (pending by default), for the session's own user or its tenant's admin. */
export class ListToolApprovalsQuery extends Query<ToolApprovalView[]> {
  constructor(
    readonly actor: Actor,
    readonly sessionId: string,
    readonly status: ApprovalStatus = 'pending',
  ) {
    super();
  }
}
