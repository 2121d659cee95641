import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { FgaTenantToolGrants, type ToolGrant } from '#soma/policy';
import { TenantGuard } from '../../tenants/tenant.guard.js';
import { GetTenantToolsQuery } from './get-tenant-tools.query.js';

@QueryHandler(GetTenantToolsQuery)
export class GetTenantToolsHandler implements IQueryHandler<GetTenantToolsQuery, ToolGrant[]> {
  constructor(
    private readonly grants: FgaTenantToolGrants,
    private readonly tenants: TenantGuard,
  ) {}

  async execute({ tenantId }: GetTenantToolsQuery): Promise<ToolGrant[]> {
    await this.tenants.mustExist(tenantId);
    return this.tenants.reachPolicy(() => this.grants.read(tenantId));
  }
}
