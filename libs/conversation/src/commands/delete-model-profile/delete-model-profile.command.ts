import { Command } from '@nestjs/cqrs';

export class DeleteModelProfileCommand extends Command<void> {
  constructor(readonly id: string) {
    super();
  }
}
