import { Command } from '@nestjs/cqrs';
import { type Envelope, type MessagePosted } from '#soma/contracts';

export type RunTurnOutcome = 'completed' | 'failed' | 'skipped' | 'awaiting_tool';

/** Generate the assistant reply of a posted user message, streaming it. */
export class RunTurnCommand extends Command<RunTurnOutcome> {
  constructor(readonly envelope: Envelope<string, MessagePosted>) {
    super();
  }
}
