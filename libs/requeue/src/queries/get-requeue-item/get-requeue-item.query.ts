import { Query } from '@nestjs/cqrs';
import { type Actor } from '../../actor.contract.js';
import { type AuditEventView, type RequeueItemView } from '../../views.js';

export interface RequeueItemDetail extends RequeueItemView {
  /** Who overrode or rejected it, when and why (from the append-only audit log). */
  audit: AuditEventView[];
}

export class GetRequeueItemQuery extends Query<RequeueItemDetail> {
  constructor(
    readonly actor: Actor,
    readonly itemId: string,
  ) {
    super();
  }
}
