import { Command } from '@nestjs/cqrs';
import { type EnvelopeOf } from '#soma/contracts';

/** A turn was cancelled (turn.control): stop this executor's run of the call it waited for, if it runs it. */
export class WithdrawToolCallCommand extends Command<boolean> {
  constructor(readonly envelope: EnvelopeOf<'turn.cancel.requested'>) {
    super();
  }
}
