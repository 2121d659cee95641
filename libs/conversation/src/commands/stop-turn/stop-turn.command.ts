import { Command } from '@nestjs/cqrs';
import { type EnvelopeOf } from '#soma/contracts';

/** What this instance did about a cancel request. */
export type StopTurnOutcome = 'stopped-run' | 'ended' | 'nothing';

/** A cancel was asked for (turn.control): stop this instance's run of the turn, or end it if no run holds it. */
export class StopTurnCommand extends Command<StopTurnOutcome> {
  constructor(readonly envelope: EnvelopeOf<'turn.cancel.requested'>) {
    super();
  }
}
