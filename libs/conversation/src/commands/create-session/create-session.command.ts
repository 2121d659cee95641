import { Command } from '@nestjs/cqrs';

export class CreateSessionCommand extends Command<{ id: string }> {
  constructor(
    readonly tenantId: string,
    readonly title: string | null,
  ) {
    super();
  }
}
