import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { McpServerEntity } from '#soma/persistence';
import { FgaTenantToolGrants } from '#soma/policy';
import { SecretBox } from '#soma/platform';
import { DataSource } from 'typeorm';
import { endpointOf } from '../../mcp/mcp.catalog.js';
import { McpConnector } from '../../mcp/mcp.connector.js';
import { listedTools } from '../../mcp/mcp-listing.js';
import { mcpServerView, type McpServerView } from '../../mcp/mcp-server.view.js';
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
  ) {}

  async execute({ tenantId, name }: RefreshMcpServerCommand): Promise<McpServerView> {
    const repository = this.dataSource.getRepository(McpServerEntity);
    const row = await repository.findOneBy({ tenantId, name });
    if (!row) throw new ToolError('MCP_SERVER_NOT_FOUND', `no MCP server named ${name} for this tenant`);
    const listing = await this.connector.listTools(
      endpointOf(row, this.secrets),
      AbortSignal.timeout(row.timeoutMs * 3),
    );
    const tools = listedTools(name, listing);
    const before = new Set(row.tools.map((tool) => tool.name));
    const after = new Set(tools.map((tool) => tool.name));
    await this.tenants.reachPolicy(async () => {
      await this.grants.grant(
        tenantId,
        [...after].filter((tool) => !before.has(tool)),
      );
      await this.grants.revoke(
        tenantId,
        [...before].filter((tool) => !after.has(tool)),
      );
    });
    const refreshedAt = new Date();
    row.tools = tools;
    row.refreshedAt = refreshedAt;
    await repository.save(row);
    return mcpServerView(row);
  }
}
