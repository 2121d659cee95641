import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { FgaTenantToolGrants, TenantSettingsInvalidation, type ToolGrant } from '#soma/policy';
import { ToolRegistry } from '../../registry/tool.registry.js';
import { ToolError } from '../../tools.errors.js';
import { TenantGuard } from '../../tenants/tenant.guard.js';
import { SetTenantToolsCommand } from './set-tenant-tools.command.js';

@CommandHandler(SetTenantToolsCommand)
export class SetTenantToolsHandler implements ICommandHandler<SetTenantToolsCommand, ToolGrant[]> {
  constructor(
    private readonly registry: ToolRegistry,
    private readonly grants: FgaTenantToolGrants,
    private readonly tenants: TenantGuard,
    private readonly invalidation: TenantSettingsInvalidation,
  ) {}

  async execute({ tenantId, grants }: SetTenantToolsCommand): Promise<ToolGrant[]> {
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
    const granted = await this.tenants.reachPolicy(() => this.grants.replace(tenantId, grants));
    // Every PolicyGate forgets its cached decisions now, not when they expire (best effort; the TTL bounds it).
    await this.invalidation.publish(tenantId).catch(() => undefined);
    return granted;
  }
}
