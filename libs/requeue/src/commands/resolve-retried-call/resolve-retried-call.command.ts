import { Command } from '@nestjs/cqrs';
import { type Envelope, type ToolCallFinished } from '#soma/contracts';

/** A call finished: if it was waiting for a retry and is no longer blocked, its item is resolved. */
export class ResolveRetriedCallCommand extends Command<void> {
  constructor(readonly envelope: Envelope<string, ToolCallFinished>) {
    super();
  }
}
