import { Command } from '@nestjs/cqrs';
import { type McpServerView } from '../../mcp/mcp-server.view.js';

/** Lists the server's tools again: new tools are granted, tools gone are revoked, schemas checked again. */
export class RefreshMcpServerCommand extends Command<McpServerView> {
  constructor(
    readonly tenantId: string,
    readonly name: string,
  ) {
    super();
  }
}
