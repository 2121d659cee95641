import { Command } from '@nestjs/cqrs';

export interface CreatedTenant {
  id: string;
  name: string;
  /** The tenant's first admin key, shown once. */
  adminKey: string;
}

export class CreateTenantCommand extends Command<CreatedTenant> {
  constructor(readonly name: string) {
    super();
  }
}
