import { Query } from '@nestjs/cqrs';
import { type TurnEntity } from '#soma/persistence';

/** A session's turns with their status, usage and the exact context each sent to the model. */
export class ListTurnsQuery extends Query<TurnEntity[]> {
  constructor(
    readonly tenantId: string,
    readonly sessionId: string,
  ) {
    super();
  }
}
