import { Query } from '@nestjs/cqrs';
import { type TenantPolicyActor, type TenantPolicyView } from '../../tenant-settings/tenant-policy.view.js';

/** A tenant's policy settings: the operator reads any tenant's, a tenant's admins their own. */
export class GetTenantPolicyQuery extends Query<TenantPolicyView> {
  constructor(
    readonly actor: TenantPolicyActor,
    readonly tenantId: string,
  ) {
    super();
  }
}
