import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ApiKeyEntity, TenantEntity } from '#soma/persistence';
import { randomUUID } from 'node:crypto';
import { DataSource, QueryFailedError } from 'typeorm';
import { generateApiKey } from '../../api-key.contract.js';
import { IdentityError } from '../../identity.errors.js';
import { CreateTenantCommand, type CreatedTenant } from './create-tenant.command.js';

/** A new tenant with its first admin key (returned once, stored hashed). */
@CommandHandler(CreateTenantCommand)
export class CreateTenantHandler implements ICommandHandler<CreateTenantCommand, CreatedTenant> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ name }: CreateTenantCommand): Promise<CreatedTenant> {
    const id = randomUUID();
    const key = generateApiKey();
    try {
      await this.dataSource.transaction(async (manager) => {
        await manager.insert(TenantEntity, { id, name });
        await manager.insert(ApiKeyEntity, {
          id: randomUUID(),
          tenantId: id,
          name: 'first admin',
          role: 'admin',
          keyHash: key.hash,
          keyPrefix: key.prefix,
          revokedAt: null,
        });
      });
    } catch (error) {
      if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505') {
        throw new IdentityError('TENANT_NAME_TAKEN', `a tenant named ${name} exists`);
      }
      throw error;
    }
    return { id, name, adminKey: key.key };
  }
}
