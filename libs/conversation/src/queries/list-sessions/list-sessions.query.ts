import { Query } from '@nestjs/cqrs';
import { type KeysetPage, type PageRequest, type SessionEntity } from '#soma/persistence';

export interface SessionFilter {
  /** Case-insensitive substring of the title. */
  title?: string;
  modelProfileId?: string;
  createdAfter?: Date;
  createdBefore?: Date;
}

/** The caller's tenant's sessions, newest first (created_at, id descending), a page at a time, optionally filtered. */
export class ListSessionsQuery extends Query<KeysetPage<SessionEntity>> {
  constructor(
    readonly tenantId: string,
    readonly page: PageRequest,
    readonly filter: SessionFilter = {},
  ) {
    super();
  }
}
