import { Query } from '@nestjs/cqrs';
import { type ToolGrant } from '#soma/policy';

/** The tools a tenant may use, as OpenFGA holds them. */
export class GetTenantToolsQuery extends Query<ToolGrant[]> {
  constructor(readonly tenantId: string) {
    super();
  }
}
