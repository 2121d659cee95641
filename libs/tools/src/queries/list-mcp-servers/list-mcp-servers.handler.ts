import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { McpServerEntity } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { mcpServerView, type McpServerView } from '../../mcp/mcp-server.view.js';
import { TenantGuard } from '../../tenants/tenant.guard.js';
import { ListMcpServersQuery } from './list-mcp-servers.query.js';

@QueryHandler(ListMcpServersQuery)
export class ListMcpServersHandler implements IQueryHandler<ListMcpServersQuery, McpServerView[]> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tenants: TenantGuard,
  ) {}

  async execute({ tenantId }: ListMcpServersQuery): Promise<McpServerView[]> {
    await this.tenants.mustExist(tenantId);
    const rows = await this.dataSource
      .getRepository(McpServerEntity)
      .find({ where: { tenantId }, order: { name: 'ASC' } });
    return rows.map(mcpServerView);
  }
}
