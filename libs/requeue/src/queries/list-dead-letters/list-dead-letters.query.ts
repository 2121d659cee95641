import { Query } from '@nestjs/cqrs';
import { type KeysetPage, type PageRequest, type DeadLetterStatus } from '#soma/persistence';
import { type DeadLetterView } from '../../views.js';

export interface DeadLetterFilter {
  sourceTopic?: string;
  reason?: string;
  status?: DeadLetterStatus;
  tenantId?: string;
  from?: Date;
  to?: Date;
}

/** Dead letters of every app, newest first (an operator's view: many cannot be attributed to a tenant). */
export class ListDeadLettersQuery extends Query<KeysetPage<DeadLetterView>> {
  constructor(
    readonly page: PageRequest,
    readonly filter: DeadLetterFilter,
  ) {
    super();
  }
}
