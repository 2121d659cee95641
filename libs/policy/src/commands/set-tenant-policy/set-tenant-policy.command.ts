import { Command } from '@nestjs/cqrs';
import { type TenantPolicySettings } from '../../tenant-settings/tenant-policy-settings.js';
import { type TenantPolicyActor, type TenantPolicyView } from '../../tenant-settings/tenant-policy.view.js';

/**
 * Replaces a tenant's policy settings (a field left out takes its default), audited in the same transaction,
 * then loads them into OPA and tells every PolicyGate to forget its cached decisions. Operators only.
 */
export class SetTenantPolicyCommand extends Command<TenantPolicyView> {
  constructor(
    readonly actor: TenantPolicyActor,
    readonly tenantId: string,
    readonly settings: Partial<TenantPolicySettings>,
    readonly reason: string,
    readonly correlationId: string,
  ) {
    super();
  }
}
