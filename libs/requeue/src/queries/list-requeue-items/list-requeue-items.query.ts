import { Query } from '@nestjs/cqrs';
import { type RequeueItemStatus } from '#soma/persistence';
import { type Actor } from '../../actor.contract.js';
import { type Page, type RequeueItemView } from '../../views.js';

export interface RequeueItemFilter {
  status?: RequeueItemStatus;
  /** Only an operator may look at another tenant's items. */
  tenantId?: string;
  sessionId?: string;
  tool?: string;
  from?: Date;
  to?: Date;
  limit: number;
  offset: number;
}

/** Blocked calls, newest first, filtered and paginated. */
export class ListRequeueItemsQuery extends Query<Page<RequeueItemView>> {
  constructor(
    readonly actor: Actor,
    readonly filter: RequeueItemFilter,
  ) {
    super();
  }
}
