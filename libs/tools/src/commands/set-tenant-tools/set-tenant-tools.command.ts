import { Command } from '@nestjs/cqrs';
import { type AuditActor } from '#soma/persistence';
import { type ToolGrant } from '#soma/policy';

/**
 * Replaces the tools a tenant may use (and which of them need approval); returns the grants now in force. Audited:
 * the event commits only if OpenFGA took the grants.
 */
export class SetTenantToolsCommand extends Command<ToolGrant[]> {
  constructor(
    readonly tenantId: string,
    readonly grants: ToolGrant[],
    readonly actor: AuditActor,
  ) {
    super();
  }
}
