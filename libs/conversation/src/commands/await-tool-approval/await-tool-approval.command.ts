import { Command } from '@nestjs/cqrs';
import { type EnvelopeOf } from '#soma/contracts';

/** A tool call waits for the session's user: the turn streams the ask and waits until the approval expires. */
export class AwaitToolApprovalCommand extends Command<boolean> {
  constructor(readonly envelope: EnvelopeOf<'tool.call.approval_requested'>) {
    super();
  }
}
