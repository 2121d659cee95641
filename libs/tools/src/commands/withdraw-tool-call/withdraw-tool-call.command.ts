import { Command } from '@nestjs/cqrs';
import { type EnvelopeOf } from '#soma/contracts';

/** A turn was cancelled (turn.control): stop this executor's runs of the turn's calls, if it runs any. */
export class WithdrawToolCallCommand extends Command<boolean> {
  constructor(readonly envelope: EnvelopeOf<'turn.cancel.requested'>) {
    super();
  }
}
