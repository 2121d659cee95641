import { Query } from '@nestjs/cqrs';
import { type Actor } from '../../actor.contract.js';
import { type AuditEventView, type Page } from '../../views.js';

export interface AuditEventFilter {
  /** Only an operator may look at another tenant's trail (or every tenant's, when absent). */
  tenantId?: string;
  action?: string;
  subjectId?: string;
  from?: Date;
  to?: Date;
  limit: number;
  offset: number;
}

/** The audit trail of admin actions (overrides, rejections, dead-letter replays), newest first. */
export class ListAuditEventsQuery extends Query<Page<AuditEventView>> {
  constructor(
    readonly actor: Actor,
    readonly filter: AuditEventFilter,
  ) {
    super();
  }
}
