import { Command } from '@nestjs/cqrs';

export class CreateSessionCommand extends Command<{ id: string; modelProfileId: string }> {
  constructor(
    readonly tenantId: string,
    readonly title: string | null,
    /** A model profile id or name; the default profile when absent. */
    readonly modelProfile: string | null,
  ) {
    super();
  }
}
