import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ApiKeyEntity, TenantEntity } from '#soma/persistence';
import { DEFAULT_TENANT } from '../../bootstrap-admin.command.js';
import { DataSource, IsNull } from 'typeorm';
import { hashApiKey } from '../../api-key.contract.js';
import { IdentityError } from '../../identity.errors.js';
import { type Principal } from '../../principal.contract.js';
import { ResolveApiKeyQuery } from './resolve-api-key.query.js';

@QueryHandler(ResolveApiKeyQuery)
export class ResolveApiKeyHandler implements IQueryHandler<ResolveApiKeyQuery, Principal> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ presentedKey }: ResolveApiKeyQuery): Promise<Principal> {
    if (!presentedKey)
      throw new IdentityError('API_KEY_MISSING', 'Authorization: Bearer <api key> is required');
    const key = await this.dataSource
      .getRepository(ApiKeyEntity)
      .findOneBy({ keyHash: hashApiKey(presentedKey), revokedAt: IsNull() });
    if (!key) throw new IdentityError('API_KEY_INVALID', 'the API key is not valid');
    const tenant = await this.dataSource.getRepository(TenantEntity).findOneByOrFail({ id: key.tenantId });
    return {
      tenantId: key.tenantId,
      keyId: key.id,
      role: key.role,
      operator: key.role === 'admin' && tenant.name === DEFAULT_TENANT,
    };
  }
}
