import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { McpServerEntity } from '#soma/persistence';
import { FgaTenantToolGrants } from '#soma/policy';
import { DataSource } from 'typeorm';
import { TenantGuard } from '../../tenants/tenant.guard.js';
import { ToolError } from '../../tools.errors.js';
import { DeleteMcpServerCommand } from './delete-mcp-server.command.js';

@CommandHandler(DeleteMcpServerCommand)
export class DeleteMcpServerHandler implements ICommandHandler<DeleteMcpServerCommand, void> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly grants: FgaTenantToolGrants,
    private readonly tenants: TenantGuard,
  ) {}

  async execute({ tenantId, name }: DeleteMcpServerCommand): Promise<void> {
    const repository = this.dataSource.getRepository(McpServerEntity);
    const row = await repository.findOneBy({ tenantId, name });
    if (!row) throw new ToolError('MCP_SERVER_NOT_FOUND', `no MCP server named ${name} for this tenant`);
    // Revoked first: a failure leaves the server listed (retry the DELETE), never tools granted without a server.
    await this.tenants.reachPolicy(() =>
      this.grants.revoke(
        tenantId,
        row.tools.map((tool) => tool.name),
      ),
    );
    await repository.delete({ id: row.id });
  }
}
