import { Command } from '@nestjs/cqrs';
import { type AuditActor } from '#soma/persistence';

export class DeleteModelProfileCommand extends Command<void> {
  constructor(
    readonly id: string,
    readonly actor: AuditActor,
  ) {
    super();
  }
}
