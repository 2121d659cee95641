import { Command } from '@nestjs/cqrs';
import { type ToolGrant } from '#soma/policy';

/** Replaces the tools a tenant may use (and which of them need approval); returns the grants now in force. */
export class SetTenantToolsCommand extends Command<ToolGrant[]> {
  constructor(
    readonly tenantId: string,
    readonly grants: ToolGrant[],
  ) {
    super();
  }
}
