import { ApiKeyEntity, TenantEntity } from '#soma/persistence';
import { type DataSource, IsNull, type FindOptionsWhere } from 'typeorm';
import { DEFAULT_TENANT } from '../../bootstrap-admin.command.js';
import { IdentityError } from '../../identity.errors.js';
import { type Principal } from '../../principal.contract.js';

/** The principal of the active (not revoked) key matching `where`; API_KEY_INVALID when there is none. */
export async function principalOf(
  dataSource: DataSource,
  where: FindOptionsWhere<ApiKeyEntity>,
): Promise<Principal> {
  const key = await dataSource.getRepository(ApiKeyEntity).findOneBy({ ...where, revokedAt: IsNull() });
  if (!key) throw new IdentityError('API_KEY_INVALID', 'the API key is not valid');
  const tenant = await dataSource.getRepository(TenantEntity).findOneByOrFail({ id: key.tenantId });
  return {
    tenantId: key.tenantId,
    keyId: key.id,
    role: key.role,
    operator: key.role === 'admin' && tenant.name === DEFAULT_TENANT,
  };
}
