import { Query } from '@nestjs/cqrs';
import { type PolicyStatus } from './policy-status.view.js';

/**
 * The policy engines' health and mode, the latest decisions and the denials by rule over a window. A tenant
 * admin sees its tenant's decisions; the operator (`allTenants`) sees every tenant's.
 */
export class GetPolicyStatusQuery extends Query<PolicyStatus> {
  constructor(
    readonly tenantId: string,
    readonly allTenants: boolean,
    readonly recentLimit: number,
    readonly windowHours: number,
  ) {
    super();
  }
}
