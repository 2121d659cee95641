import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AuditRecorder, McpServerEntity, OutboxRelay } from '#soma/persistence';
import { FgaTenantToolGrants } from '#soma/policy';
import { SecretBox } from '#soma/platform';
import { DataSource } from 'typeorm';
import { endpointOf } from '../../mcp/mcp.catalog.js';
import { McpConnector } from '../../mcp/mcp.connector.js';
import { listedTools, SERVER_NAME } from '../../mcp/mcp-listing.js';
import {
  mcpServerAuditDetail,
  mcpServerView,
  newMcpServerRow,
  type McpServerView,
} from '../../mcp/mcp-server.view.js';
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
    private readonly audit: AuditRecorder,
    private readonly outbox: OutboxRelay,
  ) {}

  async execute({ tenantId, spec, actor }: RegisterMcpServerCommand): Promise<McpServerView> {
    if (!SERVER_NAME.test(spec.name))
      throw new ToolError(
        'MCP_SERVER_INVALID',
        'name must be 1 to 32 characters of a-z, 0-9, _ and -, a letter first',
      );
    await this.tenants.mustExist(tenantId);
    if (await this.dataSource.getRepository(McpServerEntity).existsBy({ tenantId, name: spec.name }))
      throw new ToolError('MCP_SERVER_EXISTS', `the tenant has an MCP server named ${spec.name}`);
    const row = newMcpServerRow(tenantId, spec, (plain) => this.secrets.seal(plain), DEFAULT_TIMEOUT_MS);
    const listing = await this.connector.listTools(
      endpointOf(row, this.secrets),
      AbortSignal.timeout(row.timeoutMs * 3),
    );
    row.tools = listedTools(spec.name, listing);
    // Row and event commit together, after OpenFGA took the grants: a refused grant leaves neither.
    const staged = await this.dataSource
      .transaction(async (manager) => {
        await manager.save(McpServerEntity, row); // save(): insert() cannot type jsonb schemas (rare write)
        const audited = await this.audit.record(manager, actor, {
          action: 'mcp_server.registered',
          subject: { type: 'mcp_server', id: row.id },
          reason: `MCP server ${row.name} registered with ${row.tools.length} tools`,
          detail: mcpServerAuditDetail(row),
          tenantId,
          sessionId: null,
        });
        await this.tenants.reachPolicy(() =>
          this.grants.grant(
            tenantId,
            row.tools.map((tool) => tool.name),
          ),
        );
        return audited.staged;
      })
      .catch((error: unknown) => {
        if ((error as { code?: string }).code === '23505')
          throw new ToolError('MCP_SERVER_EXISTS', `the tenant has an MCP server named ${spec.name}`);
        throw error;
      });
    await this.outbox.flush([staged]);
    return mcpServerView(row);
  }
}
