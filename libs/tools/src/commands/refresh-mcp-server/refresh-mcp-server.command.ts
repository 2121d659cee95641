import { Command } from '@nestjs/cqrs';
import { type AuditActor } from '#soma/persistence';
import { type McpServerView } from '../../mcp/mcp-server.view.js';

/** Lists the server's tools again: new tools are granted, tools gone are revoked, schemas checked again.
 * Audited (`mcp_server.refreshed`), committed after OpenFGA answered. */
export class RefreshMcpServerCommand extends Command<McpServerView> {
  constructor(
    readonly tenantId: string,
    readonly name: string,
    readonly actor: AuditActor,
  ) {
    super();
  }
}
