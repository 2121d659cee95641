import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AuditRecorder, McpServerEntity, OutboxRelay } from '#soma/persistence';
import { FgaTenantToolGrants } from '#soma/policy';
import { DataSource } from 'typeorm';
import { mcpServerAuditDetail } from '../../mcp/mcp-server.view.js';
import { TenantGuard } from '../../tenants/tenant.guard.js';
import { ToolError } from '../../tools.errors.js';
import { DeleteMcpServerCommand } from './delete-mcp-server.command.js';

@CommandHandler(DeleteMcpServerCommand)
export class DeleteMcpServerHandler implements ICommandHandler<DeleteMcpServerCommand, void> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly grants: FgaTenantToolGrants,
    private readonly tenants: TenantGuard,
    private readonly audit: AuditRecorder,
    private readonly outbox: OutboxRelay,
  ) {}

  async execute({ tenantId, name, actor }: DeleteMcpServerCommand): Promise<void> {
    const row = await this.dataSource.getRepository(McpServerEntity).findOneBy({ tenantId, name });
    if (!row) throw new ToolError('MCP_SERVER_NOT_FOUND', `no MCP server named ${name} for this tenant`);
    // Deleted and audited in one transaction that commits only after OpenFGA revoked the tools: a refused
    // revocation leaves the server listed (retry the DELETE) and no event, never tools granted without a server.
    const staged = await this.dataSource.transaction(async (manager) => {
      await manager.delete(McpServerEntity, { id: row.id });
      const audited = await this.audit.record(manager, actor, {
        action: 'mcp_server.deleted',
        subject: { type: 'mcp_server', id: row.id },
        reason: `MCP server ${name} deleted; its ${row.tools.length} tools revoked`,
        detail: mcpServerAuditDetail(row),
        tenantId,
        sessionId: null,
      });
      await this.tenants.reachPolicy(() =>
        this.grants.revoke(
          tenantId,
          row.tools.map((tool) => tool.name),
        ),
      );
      return audited.staged;
    });
    await this.outbox.flush([staged]);
  }
}
