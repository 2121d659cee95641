import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { RunTurnCommand, type RunTurnOutcome } from './run-turn.command.js';
import { TurnDriver } from './turn-driver.js';

/** Claims the posted message's turn (or takes over a lost run of it) and runs its first step. */
@CommandHandler(RunTurnCommand)
export class RunTurnHandler implements ICommandHandler<RunTurnCommand, RunTurnOutcome> {
  constructor(private readonly driver: TurnDriver) {}

  async execute({ envelope, heartbeat }: RunTurnCommand): Promise<RunTurnOutcome> {
    const ctx = { ...envelope, causationId: envelope.eventId };
    const held = await this.driver.acquire(envelope.payload.turnId, ctx, heartbeat);
    if (!held) return 'skipped';
    const principal = envelope.payload.principal ?? { role: 'user' as const, keyId: null };
    return this.driver.drive(held, ctx, principal);
  }
}
