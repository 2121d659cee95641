import { Query } from '@nestjs/cqrs';
import { type SessionEntity } from '#soma/persistence';

/** A session of the caller's tenant; another tenant's session is "not found". */
export class GetSessionQuery extends Query<SessionEntity> {
  constructor(
    readonly tenantId: string,
    readonly sessionId: string,
  ) {
    super();
  }
}
