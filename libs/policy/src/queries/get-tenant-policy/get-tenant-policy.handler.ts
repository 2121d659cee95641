import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { TenantPolicySettingsEntity } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { PolicyError } from '../../policy.errors.js';
import {
  mustExist,
  toTenantPolicyView,
  type TenantPolicyView,
} from '../../tenant-settings/tenant-policy.view.js';
import { GetTenantPolicyQuery } from './get-tenant-policy.query.js';

@QueryHandler(GetTenantPolicyQuery)
export class GetTenantPolicyHandler implements IQueryHandler<GetTenantPolicyQuery, TenantPolicyView> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ actor, tenantId }: GetTenantPolicyQuery): Promise<TenantPolicyView> {
    // Another tenant's settings do not exist for a tenant admin (no hint either way).
    const visible = actor.operator || (actor.role === 'admin' && actor.tenantId === tenantId);
    if (!visible) throw new PolicyError('TENANT_NOT_FOUND', `tenant ${tenantId} not found`);
    await mustExist(this.dataSource.manager, tenantId);
    return toTenantPolicyView(
      await this.dataSource.getRepository(TenantPolicySettingsEntity).findOneBy({ tenantId }),
    );
  }
}
