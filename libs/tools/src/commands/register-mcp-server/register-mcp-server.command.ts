import { Command } from '@nestjs/cqrs';
import { type AuditActor } from '#soma/persistence';
import { type McpServerSpec, type McpServerView } from '../../mcp/mcp-server.view.js';

/** Contacts the server, lists and checks its tools, stores it (credentials sealed) and grants its tools.
 * Audited (`mcp_server.registered`): row and event commit together, only after OpenFGA took the grants. */
export class RegisterMcpServerCommand extends Command<McpServerView> {
  constructor(
    readonly tenantId: string,
    readonly spec: McpServerSpec,
    readonly actor: AuditActor,
  ) {
    super();
  }
}
