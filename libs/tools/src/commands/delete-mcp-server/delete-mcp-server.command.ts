import { Command } from '@nestjs/cqrs';
import { type AuditActor } from '#soma/persistence';

/** Removes the server and revokes its tools from the tenant; audited (`mcp_server.deleted`). */
export class DeleteMcpServerCommand extends Command<void> {
  constructor(
    readonly tenantId: string,
    readonly name: string,
    readonly actor: AuditActor,
  ) {
    super();
  }
}
