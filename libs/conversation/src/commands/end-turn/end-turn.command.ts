import { Command } from '@nestjs/cqrs';
import { type EnvelopeContext } from '#soma/contracts';

/** End a turn that can never run (its message was dead-lettered) with the reason, if it is still open. */
export class EndTurnCommand extends Command<boolean> {
  constructor(
    readonly turnId: string,
    readonly ctx: EnvelopeContext,
    readonly code: string,
    readonly message: string,
  ) {
    super();
  }
}
