import { Command } from '@nestjs/cqrs';

/** Removes the server and revokes its tools from the tenant. */
export class DeleteMcpServerCommand extends Command<void> {
  constructor(
    readonly tenantId: string,
    readonly name: string,
  ) {
    super();
  }
}
