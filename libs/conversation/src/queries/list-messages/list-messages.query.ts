import { Query } from '@nestjs/cqrs';
import { type MessageEntity } from '#soma/persistence';

export class ListMessagesQuery extends Query<MessageEntity[]> {
  constructor(
    readonly tenantId: string,
    readonly sessionId: string,
  ) {
    super();
  }
}
