import { Query } from '@nestjs/cqrs';
import { type SessionEntity } from '#soma/persistence';

/** The caller's tenant's sessions, newest first, a page at a time. */
export class ListSessionsQuery extends Query<SessionEntity[]> {
  constructor(
    readonly tenantId: string,
    readonly limit: number,
    readonly offset: number,
  ) {
    super();
  }
}
