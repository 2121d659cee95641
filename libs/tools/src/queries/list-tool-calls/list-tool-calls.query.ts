import { Query } from '@nestjs/cqrs';
import { type ToolCallView } from './tool-call.view.js';

/** A session's tool calls in the order they were made, each with every policy decision taken on it. */
export class ListToolCallsQuery extends Query<ToolCallView[]> {
  constructor(
    readonly tenantId: string,
    readonly sessionId: string,
  ) {
    super();
  }
}
