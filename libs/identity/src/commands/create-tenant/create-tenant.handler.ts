import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { OutboxRelay, recordAudit, TenantEntity } from '#soma/persistence';
import { randomUUID } from 'node:crypto';
import { DataSource, QueryFailedError } from 'typeorm';
import { IdentityError } from '../../identity.errors.js';
import { issueApiKey } from '../../keys/issue-api-key.js';
import { CreateTenantCommand, type CreatedTenant } from './create-tenant.command.js';

/** A new tenant with its first admin key (returned once, stored hashed), audited in the same transaction. */
@CommandHandler(CreateTenantCommand)
export class CreateTenantHandler implements ICommandHandler<CreateTenantCommand, CreatedTenant> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxRelay,
  ) {}

  async execute({ name, actor }: CreateTenantCommand): Promise<CreatedTenant> {
    const id = randomUUID();
    try {
      const { key, staged } = await this.dataSource.transaction(async (manager) => {
        await manager.insert(TenantEntity, { id, name });
        const created = await recordAudit(manager, actor, {
          action: 'tenant.created',
          subject: { type: 'tenant', id },
          reason: `tenant "${name}" created`,
          detail: { name },
          tenantId: id,
          sessionId: null,
        });
        const issued = await issueApiKey(
          manager,
          { tenantId: id, name: 'first admin', role: 'admin' },
          actor,
          {
            action: 'api_key.created',
            reason: 'first admin key of a new tenant',
          },
        );
        return { key: issued.key, staged: [created.staged, issued.audit.staged] };
      });
      await this.outbox.flush(staged);
      return { id, name, adminKey: key };
    } catch (error) {
      if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505') {
        throw new IdentityError('TENANT_NAME_TAKEN', `a tenant named ${name} exists`);
      }
      throw error;
    }
  }
}
