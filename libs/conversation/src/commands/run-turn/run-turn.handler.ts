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
    // A turn just claimed has only the message this command carries: it is not read back.
    const { messageId, content } = envelope.payload;
    const posted = held.turn.attempt === 1 ? { id: messageId, content } : undefined;
    return this.driver.drive(held, ctx, principal, posted);
  }
}
