import { Command } from '@nestjs/cqrs';
import { type EnvelopeOf } from '#soma/contracts';

export type RunTurnOutcome = 'completed' | 'failed' | 'cancelled' | 'skipped' | 'awaiting_tool';

/** Generate the assistant reply of a posted user message, streaming it. */
export class RunTurnCommand extends Command<RunTurnOutcome> {
  constructor(
    readonly envelope: EnvelopeOf<'conversation.message.posted'>,
    /** Keeps the consumer's group membership while this waits for a turn another run holds. */
    readonly heartbeat?: () => Promise<void>,
  ) {
    super();
  }
}
