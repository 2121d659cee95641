import { Query } from '@nestjs/cqrs';
import { type KeysetPage, type PageRequest, type TurnEntity } from '#soma/persistence';

/** A session's turns in conversation order with their status, usage and the exact context each sent. */
export class ListTurnsQuery extends Query<KeysetPage<TurnEntity>> {
  constructor(
    readonly tenantId: string,
    readonly sessionId: string,
    readonly page: PageRequest,
  ) {
    super();
  }
}
