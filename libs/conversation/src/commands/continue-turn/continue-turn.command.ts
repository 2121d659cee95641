import { Command } from '@nestjs/cqrs';
import { type EnvelopeOf } from '#soma/contracts';
import { type RunTurnOutcome } from '../run-turn/run-turn.command.js';

/** A tool call ended: its result joins the history and the turn continues (or a new turn starts) with it. */
export class ContinueTurnCommand extends Command<RunTurnOutcome> {
  constructor(
    readonly envelope: EnvelopeOf<'tool.call.finished'>,
    readonly heartbeat?: () => Promise<void>,
  ) {
    super();
  }
}
