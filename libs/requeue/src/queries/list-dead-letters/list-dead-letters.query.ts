import { Query } from '@nestjs/cqrs';
import { type DeadLetterStatus } from '#soma/persistence';
import { type DeadLetterView, type Page } from '../../views.js';

export interface DeadLetterFilter {
  sourceTopic?: string;
  reason?: string;
  status?: DeadLetterStatus;
  tenantId?: string;
  from?: Date;
  to?: Date;
  limit: number;
  offset: number;
}

/** Dead letters of every app, newest first (an operator's view: many cannot be attributed to a tenant). */
export class ListDeadLettersQuery extends Query<Page<DeadLetterView>> {
  constructor(readonly filter: DeadLetterFilter) {
    super();
  }
}
