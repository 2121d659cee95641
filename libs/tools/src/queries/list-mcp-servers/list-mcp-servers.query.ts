import { Query } from '@nestjs/cqrs';
import { type McpServerView } from '../../mcp/mcp-server.view.js';

export class ListMcpServersQuery extends Query<McpServerView[]> {
  constructor(readonly tenantId: string) {
    super();
  }
}
