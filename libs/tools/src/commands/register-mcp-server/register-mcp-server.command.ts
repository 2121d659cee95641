import { Command } from '@nestjs/cqrs';
import { type McpServerSpec, type McpServerView } from '../../mcp/mcp-server.view.js';

/** Contacts the server, lists and checks its tools, stores it (credentials sealed) and grants its tools. */
export class RegisterMcpServerCommand extends Command<McpServerView> {
  constructor(
    readonly tenantId: string,
    readonly spec: McpServerSpec,
  ) {
    super();
  }
}
