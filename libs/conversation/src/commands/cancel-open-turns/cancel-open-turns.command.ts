import { Command } from '@nestjs/cqrs';
import { type Canceller } from '#soma/contracts';

/** Cancel every open turn of a session (a client that asked for cancel-on-disconnect went away). */
export class CancelOpenTurnsCommand extends Command<number> {
  constructor(
    readonly tenantId: string,
    readonly sessionId: string,
    readonly by: Canceller,
    readonly correlationId: string,
  ) {
    super();
  }
}
