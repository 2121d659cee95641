import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AuditRecorder, McpServerEntity, OutboxRelay } from '#soma/persistence';
import { FgaTenantToolGrants } from '#soma/policy';
import { SecretBox } from '#soma/platform';
import { DataSource } from 'typeorm';
import { endpointOf } from '../../mcp/mcp.catalog.js';
import { McpConnector } from '../../mcp/mcp.connector.js';
import { listedTools } from '../../mcp/mcp-listing.js';
import { mcpServerAuditDetail, mcpServerView, type McpServerView } from '../../mcp/mcp-server.view.js';
import { TenantGuard } from '../../tenants/tenant.guard.js';
import { ToolError } from '../../tools.errors.js';
import { RefreshMcpServerCommand } from './refresh-mcp-server.command.js';

@CommandHandler(RefreshMcpServerCommand)
export class RefreshMcpServerHandler implements ICommandHandler<RefreshMcpServerCommand, McpServerView> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly connector: McpConnector,
    private readonly secrets: SecretBox,
    private readonly grants: FgaTenantToolGrants,
    private readonly tenants: TenantGuard,
    private readonly audit: AuditRecorder,
    private readonly outbox: OutboxRelay,
  ) {}

  async execute({ tenantId, name, actor }: RefreshMcpServerCommand): Promise<McpServerView> {
    const row = await this.dataSource.getRepository(McpServerEntity).findOneBy({ tenantId, name });
    if (!row) throw new ToolError('MCP_SERVER_NOT_FOUND', `no MCP server named ${name} for this tenant`);
    const listing = await this.connector.listTools(
      endpointOf(row, this.secrets),
      AbortSignal.timeout(row.timeoutMs * 3),
    );
    const before = new Set(row.tools.map((tool) => tool.name));
    row.tools = listedTools(name, listing);
    row.refreshedAt = new Date();
    const after = new Set(row.tools.map((tool) => tool.name));
    const granted = [...after].filter((tool) => !before.has(tool));
    const revoked = [...before].filter((tool) => !after.has(tool));
    // The listing and its event commit after OpenFGA took the changes: a refused change leaves the old listing.
    const staged = await this.dataSource.transaction(async (manager) => {
      await manager.save(McpServerEntity, row);
      const audited = await this.audit.record(manager, actor, {
        action: 'mcp_server.refreshed',
        subject: { type: 'mcp_server', id: row.id },
        reason: `MCP server ${name} listed again: ${granted.length} tools new, ${revoked.length} gone`,
        detail: { ...mcpServerAuditDetail(row), granted, revoked },
        tenantId,
        sessionId: null,
      });
      await this.tenants.reachPolicy(async () => {
        await this.grants.grant(tenantId, granted);
        await this.grants.revoke(tenantId, revoked);
      });
      return audited.staged;
    });
    await this.outbox.flush([staged]);
    return mcpServerView(row);
  }
}
