import { Query } from '@nestjs/cqrs';
import { type KeysetPage, type MessageEntity, type PageRequest } from '#soma/persistence';

export class ListMessagesQuery extends Query<KeysetPage<MessageEntity>> {
  constructor(
    readonly tenantId: string,
    readonly sessionId: string,
    readonly page: PageRequest,
  ) {
    super();
  }
}
