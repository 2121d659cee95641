import { Query } from '@nestjs/cqrs';
import { type KeysetPage, type PageRequest } from '#soma/persistence';
import { type ToolCallView } from './tool-call.view.js';

/** A session's tool calls in the order they were made, each with every policy decision taken on it. */
export class ListToolCallsQuery extends Query<KeysetPage<ToolCallView>> {
  constructor(
    readonly tenantId: string,
    readonly sessionId: string,
    readonly page: PageRequest,
  ) {
    super();
  }
}
