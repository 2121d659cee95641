import { Query } from '@nestjs/cqrs';
import { type ApprovalStatus } from '#soma/contracts';
import { type KeysetPage, type PageRequest } from '#soma/persistence';
import { type Actor } from '../../actor.contract.js';
import { type ToolApprovalView } from '../../approvals/tool-approval.view.js';

/** A session's tool approvals (pending by default), for the session's own user or its tenant's admin. */
export class ListToolApprovalsQuery extends Query<KeysetPage<ToolApprovalView>> {
  constructor(
    readonly actor: Actor,
    readonly sessionId: string,
    readonly page: PageRequest,
    readonly status: ApprovalStatus = 'pending',
  ) {
    super();
  }
}
