import { Query } from '@nestjs/cqrs';
import { type KeysetPage, type PageRequest } from '#soma/persistence';
import { type ToolGrant } from '#soma/policy';

/** The tools a tenant may use, as OpenFGA holds them, by tool name, a page at a time. */
export class GetTenantToolsQuery extends Query<KeysetPage<ToolGrant>> {
  constructor(
    readonly tenantId: string,
    readonly page: PageRequest,
  ) {
    super();
  }
}
