import { Command } from '@nestjs/cqrs';
import { type Actor } from '../../actor.contract.js';

export interface DeadLetterReplayed {
  id: string;
  status: 'replayed';
  topic: string;
  eventId: string;
  auditId: string;
}

/** Send a stored dead letter back to its topic (once), audited. */
export class ReplayDeadLetterCommand extends Command<DeadLetterReplayed> {
  constructor(
    readonly actor: Actor,
    readonly deadLetterId: string,
    readonly reason: string,
    readonly correlationId: string,
  ) {
    super();
  }
}
