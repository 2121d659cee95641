import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { persist } from '#soma/platform';
import { ActiveTurns } from '../../turns/active-turns.js';
import { TurnRepository } from '../../turns/turn.repository.js';
import { TurnFinisher } from '../run-turn/turn-finisher.js';
import { StopTurnCommand, type StopTurnOutcome } from './stop-turn.command.js';

/**
 * Every worker instance gets every cancel. The one running the turn aborts its run (which ends the turn with what
 * it generated); any instance ends a turn that no run holds (queued, or waiting for a tool): the guard lets one
 * of them do it. A running turn whose run is lost is ended by the watchdog, which never resumes it.
 */
@CommandHandler(StopTurnCommand)
export class StopTurnHandler implements ICommandHandler<StopTurnCommand, StopTurnOutcome> {
  constructor(
    private readonly active: ActiveTurns,
    private readonly turns: TurnRepository,
    private readonly finisher: TurnFinisher,
  ) {}

  async execute({ envelope }: StopTurnCommand): Promise<StopTurnOutcome> {
    const { turnId, cancelledBy } = envelope.payload;
    if (this.active.cancel(turnId, cancelledBy)) return 'stopped-run';
    const turn = await persist(() => this.turns.find(turnId));
    if (!turn?.cancelledBy || (turn.status !== 'queued' && turn.status !== 'awaiting_tool')) return 'nothing';
    const ctx = { ...envelope, causationId: envelope.eventId };
    const ended = await this.finisher.cancel({ turn, ctx, guard: { kind: 'idle' } }, turn.cancelledBy);
    return ended ? 'ended' : 'nothing';
  }
}
