import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { McpServerEntity } from '#soma/persistence';
import { FgaTenantToolGrants } from '#soma/policy';
import { SecretBox } from '#soma/platform';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { endpointOf } from '../../mcp/mcp.catalog.js';
import { McpConnector } from '../../mcp/mcp.connector.js';
import { listedTools, SERVER_NAME } from '../../mcp/mcp-listing.js';
import { mcpServerView, type McpServerView } from '../../mcp/mcp-server.view.js';
import { TenantGuard } from '../../tenants/tenant.guard.js';
import { ToolError } from '../../tools.errors.js';
import { RegisterMcpServerCommand } from './register-mcp-server.command.js';

const DEFAULT_TIMEOUT_MS = 10_000;

@CommandHandler(RegisterMcpServerCommand)
export class RegisterMcpServerHandler implements ICommandHandler<RegisterMcpServerCommand, McpServerView> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly connector: McpConnector,
    private readonly secrets: SecretBox,
    private readonly grants: FgaTenantToolGrants,
    private readonly tenants: TenantGuard,
  ) {}

  async execute({ tenantId, spec }: RegisterMcpServerCommand): Promise<McpServerView> {
    if (!SERVER_NAME.test(spec.name))
      throw new ToolError(
        'MCP_SERVER_INVALID',
        'name must be 1 to 32 characters of a-z, 0-9, _ and -, a letter first',
      );
    await this.tenants.mustExist(tenantId);
    const repository = this.dataSource.getRepository(McpServerEntity);
    if (await repository.existsBy({ tenantId, name: spec.name }))
      throw new ToolError('MCP_SERVER_EXISTS', `the tenant has an MCP server named ${spec.name}`);
    const now = new Date();
    const auth = spec.transport === 'streamable-http' ? (spec.auth ?? null) : null;
    const row: McpServerEntity = {
      id: randomUUID(),
      tenantId,
      name: spec.name,
      transport: spec.transport,
      url: spec.transport === 'streamable-http' ? spec.url : null,
      command: spec.transport === 'stdio' ? spec.command : null,
      args: spec.transport === 'stdio' ? (spec.args ?? []) : [],
      mounts: spec.transport === 'stdio' ? (spec.mounts ?? []) : [],
      authType: auth?.type ?? 'none',
      authSealed: auth ? this.secrets.seal(JSON.stringify(auth)) : null,
      risk: spec.risk ?? 'medium',
      timeoutMs: spec.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      tools: [],
      createdAt: now,
      refreshedAt: now,
    };
    const listing = await this.connector.listTools(
      endpointOf(row, this.secrets),
      AbortSignal.timeout(row.timeoutMs * 3),
    );
    row.tools = listedTools(spec.name, listing);
    await this.tenants.reachPolicy(() =>
      this.grants.grant(
        tenantId,
        row.tools.map((tool) => tool.name),
      ),
    );
    try {
      await repository.save(row); // save(): insert() cannot type jsonb schemas (rare write)
    } catch (error) {
      if ((error as { code?: string }).code === '23505')
        throw new ToolError('MCP_SERVER_EXISTS', `the tenant has an MCP server named ${spec.name}`);
      throw error;
    }
    return mcpServerView(row);
  }
}
