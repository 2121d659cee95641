import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { toPage, type KeysetPage } from '#soma/persistence';
import { FgaTenantToolGrants, type ToolGrant } from '#soma/policy';
import { TenantGuard } from '../../tenants/tenant.guard.js';
import { GetTenantToolsQuery } from './get-tenant-tools.query.js';

/** OpenFGA holds at most one grant per registered tool: the page is cut from that short list by name. */
@QueryHandler(GetTenantToolsQuery)
export class GetTenantToolsHandler implements IQueryHandler<GetTenantToolsQuery, KeysetPage<ToolGrant>> {
  constructor(
    private readonly grants: FgaTenantToolGrants,
    private readonly tenants: TenantGuard,
  ) {}

  async execute({ tenantId, page }: GetTenantToolsQuery): Promise<KeysetPage<ToolGrant>> {
    await this.tenants.mustExist(tenantId);
    const grants = await this.tenants.reachPolicy(() => this.grants.read(tenantId));
    const after = page.after?.[0];
    const rows = grants
      .filter((grant) => after === undefined || grant.tool > after)
      .sort((a, b) => (a.tool < b.tool ? -1 : a.tool > b.tool ? 1 : 0));
    return toPage(
      rows,
      page.limit,
      (grant) => [grant.tool],
      (grant) => grant,
    );
  }
}
