import { Query } from '@nestjs/cqrs';
import { type SessionEntity } from '#soma/persistence';

export interface SessionFilter {
  /** Case-insensitive substring of the title. */
  title?: string;
  modelProfileId?: string;
  createdAfter?: Date;
  createdBefore?: Date;
}

/** The caller's tenant's sessions, newest first, a page at a time, optionally filtered. */
export class ListSessionsQuery extends Query<SessionEntity[]> {
  constructor(
    readonly tenantId: string,
    readonly limit: number,
    readonly offset: number,
    readonly filter: SessionFilter = {},
  ) {
    super();
  }
}
