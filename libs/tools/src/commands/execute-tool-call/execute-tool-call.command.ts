import { Command } from '@nestjs/cqrs';
import { type Envelope, type ToolCallRequested } from '#soma/contracts';

/**
 * What became of a request: ran the tool, blocked by policy, waiting for the session user's approval, rejected
 * before running, or answered from the store.
 */
export type ExecuteToolCallOutcome =
  'ran' | 'blocked' | 'awaiting_approval' | 'rejected' | 'replayed' | 'interrupted';

export class ExecuteToolCallCommand extends Command<ExecuteToolCallOutcome> {
  constructor(readonly envelope: Envelope<string, ToolCallRequested>) {
    super();
  }
}
