import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AuditRecorder, OutboxRelay } from '#soma/persistence';
import { FgaTenantToolGrants, TenantSettingsInvalidation, type ToolGrant } from '#soma/policy';
import { ToolRegistry } from '../../registry/tool.registry.js';
import { ToolError } from '../../tools.errors.js';
import { TenantGuard } from '../../tenants/tenant.guard.js';
import { DataSource } from 'typeorm';
import { SetTenantToolsCommand } from './set-tenant-tools.command.js';

@CommandHandler(SetTenantToolsCommand)
export class SetTenantToolsHandler implements ICommandHandler<SetTenantToolsCommand, ToolGrant[]> {
  constructor(
    private readonly registry: ToolRegistry,
    private readonly grants: FgaTenantToolGrants,
    private readonly tenants: TenantGuard,
    private readonly invalidation: TenantSettingsInvalidation,
    private readonly dataSource: DataSource,
    private readonly audit: AuditRecorder,
    private readonly outbox: OutboxRelay,
  ) {}

  async execute({ tenantId, grants, actor }: SetTenantToolsCommand): Promise<ToolGrant[]> {
    const known = new Set((await this.registry.forTenant(tenantId)).names());
    const unknown = grants.filter((grant) => !known.has(grant.tool)).map((grant) => grant.tool);
    if (unknown.length > 0) {
      throw new ToolError(
        'UNKNOWN_TOOL',
        `unknown tools: ${unknown.join(', ')}; known tools: ${[...known].join(', ')}`,
      );
    }
    const tools = grants.map((grant) => grant.tool);
    if (new Set(tools).size !== tools.length)
      throw new ToolError('INVALID_ARGUMENTS', 'a tool is listed twice');
    await this.tenants.mustExist(tenantId);
    // The event is written first and committed after OpenFGA answered: no grant change without its event
    // (short of a commit failing after OpenFGA took it), no event for a change OpenFGA refused.
    const { granted, staged } = await this.dataSource.transaction(async (manager) => {
      const audited = await this.audit.record(manager, actor, {
        action: 'tenant.tools.updated',
        subject: { type: 'tenant', id: tenantId },
        reason: 'tool grants replaced',
        detail: { grants },
        tenantId,
        sessionId: null,
      });
      const granted = await this.tenants.reachPolicy(() => this.grants.replace(tenantId, grants));
      return { granted, staged: audited.staged };
    });
    await this.outbox.flush([staged]);
    // Every PolicyGate forgets its cached decisions now, not when they expire (best effort; the TTL bounds it).
    await this.invalidation.publish(tenantId).catch(() => undefined);
    return granted;
  }
}
