import { Command } from '@nestjs/cqrs';
import { type AuditActor } from '#soma/persistence';

export interface CreatedTenant {
  id: string;
  name: string;
  /** The tenant's first admin key, shown once. */
  adminKey: string;
}

/** A tenant and its first admin key; both audited (the first events of the tenant's chain). */
export class CreateTenantCommand extends Command<CreatedTenant> {
  constructor(
    readonly name: string,
    readonly actor: AuditActor,
  ) {
    super();
  }
}
