import { Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AuditRecorder, OutboxRelay, TenantPolicySettingsEntity } from '#soma/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import { PolicyError } from '../../policy.errors.js';
import { settingsOf, type TenantPolicySettings } from '../../tenant-settings/tenant-policy-settings.js';
import { tenantPolicySettingsFrom } from '../../tenant-settings/tenant-policy-settings.rules.js';
import {
  mustExist,
  toTenantPolicyView,
  type TenantPolicyView,
} from '../../tenant-settings/tenant-policy.view.js';
import { TenantSettingsInvalidation } from '../../tenant-settings/tenant-settings.invalidation.js';
import { lockTenantSettings, TenantSettingsLoader } from '../../tenant-settings/tenant-settings.loader.js';
import { SetTenantPolicyCommand } from './set-tenant-policy.command.js';

/** Check → (lock, row, audit: one transaction) → OPA loaded → invalidation published. */
@CommandHandler(SetTenantPolicyCommand)
export class SetTenantPolicyHandler implements ICommandHandler<SetTenantPolicyCommand, TenantPolicyView> {
  private readonly logger = new Logger(SetTenantPolicyHandler.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditRecorder,
    private readonly outbox: OutboxRelay,
    private readonly loader: TenantSettingsLoader,
    private readonly invalidation: TenantSettingsInvalidation,
  ) {}

  async execute(command: SetTenantPolicyCommand): Promise<TenantPolicyView> {
    if (!command.actor.operator)
      throw new PolicyError('TENANT_NOT_FOUND', `tenant ${command.tenantId} not found`);
    const settings = tenantPolicySettingsFrom(command.settings);
    const { row, staged } = await this.dataSource.transaction(async (manager) => {
      await lockTenantSettings(manager);
      await mustExist(manager, command.tenantId);
      const before = await manager.findOneBy(TenantPolicySettingsEntity, { tenantId: command.tenantId });
      const row = await upsert(manager, command.tenantId, settings, command.actor.keyId);
      const { staged } = await this.audit.record(manager, command.actor, {
        action: 'tenant.policy.updated',
        subject: { type: 'tenant', id: command.tenantId },
        reason: command.reason,
        detail: {
          before: settingsOf(before),
          after: settings,
          firstSet: before === null,
          revision: row.revision,
        },
        tenantId: command.tenantId,
        sessionId: null,
        correlationId: command.correlationId,
      });
      return { row, staged };
    });
    await this.outbox.flush([staged]);
    await this.apply(command.tenantId);
    return toTenantPolicyView(row);
  }

  /** After the commit: the change is stored and audited; if OPA misses it now, the holders' check reloads it. */
  private async apply(tenantId: string): Promise<void> {
    await this.loader.loadAll().catch((error: unknown) => {
      this.logger.warn({
        msg: 'tenant policy settings stored, not yet in OPA',
        tenantId,
        error: String(error),
      });
    });
    await this.invalidation.publish(tenantId).catch((error: unknown) => {
      this.logger.warn({ msg: 'tenant policy invalidation not published', tenantId, error: String(error) });
    });
  }
}

async function upsert(
  manager: EntityManager,
  tenantId: string,
  s: TenantPolicySettings,
  keyId: string,
): Promise<TenantPolicySettingsEntity> {
  await manager.query(
    `INSERT INTO tenant_policy_settings
       (tenant_id, egress_hosts, allowed_cidrs, allowed_ports, disabled_tools, user_approval_tools, updated_by,
        revision, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, nextval('tenant_policy_settings_revision_seq'), now())
     ON CONFLICT (tenant_id) DO UPDATE SET
       egress_hosts = EXCLUDED.egress_hosts, allowed_cidrs = EXCLUDED.allowed_cidrs,
       allowed_ports = EXCLUDED.allowed_ports, disabled_tools = EXCLUDED.disabled_tools,
       user_approval_tools = EXCLUDED.user_approval_tools, updated_by = EXCLUDED.updated_by,
       revision = EXCLUDED.revision, updated_at = EXCLUDED.updated_at`,
    [tenantId, s.egressHosts, s.allowedCidrs, s.allowedPorts, s.disabledTools, s.userApprovalTools, keyId],
  );
  return manager.findOneByOrFail(TenantPolicySettingsEntity, { tenantId });
}
