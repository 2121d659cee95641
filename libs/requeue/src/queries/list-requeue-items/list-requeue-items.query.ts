import { Query } from '@nestjs/cqrs';
import { type KeysetPage, type PageRequest, type RequeueItemStatus } from '#soma/persistence';
import { type Actor } from '../../actor.contract.js';
import { type RequeueItemView } from '../../views.js';

export interface RequeueItemFilter {
  status?: RequeueItemStatus;
  /** Only an operator may look at another tenant's items. */
  tenantId?: string;
  sessionId?: string;
  tool?: string;
  from?: Date;
  to?: Date;
}

/** Blocked calls, newest first, filtered and paginated. */
export class ListRequeueItemsQuery extends Query<KeysetPage<RequeueItemView>> {
  constructor(
    readonly actor: Actor,
    readonly page: PageRequest,
    readonly filter: RequeueItemFilter,
  ) {
    super();
  }
}
