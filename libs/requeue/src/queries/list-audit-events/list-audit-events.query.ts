import { Query } from '@nestjs/cqrs';
import { type KeysetPage, type PageRequest } from '#soma/persistence';
import { type Actor } from '../../actor.contract.js';
import { type AuditEventView } from '../../views.js';

export interface AuditEventFilter {
  /** Only an operator may look at another tenant's trail (or every tenant's, when absent). */
  tenantId?: string;
  action?: string;
  subjectId?: string;
  from?: Date;
  to?: Date;
}

/** The audit trail of admin actions (overrides, rejections, dead-letter replays), newest first. */
export class ListAuditEventsQuery extends Query<KeysetPage<AuditEventView>> {
  constructor(
    readonly actor: Actor,
    readonly page: PageRequest,
    readonly filter: AuditEventFilter,
  ) {
    super();
  }
}
