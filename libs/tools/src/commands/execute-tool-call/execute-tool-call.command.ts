import { Command } from '@nestjs/cqrs';
import { type Envelope, type ToolCallRequested } from '#soma/contracts';

/**
 * What became of a request: ran the tool, blocked by policy, waiting for the session user's approval, rejected
 * before running, answered from the store, ended because its executor died, or withdrawn before it ran (its
 * turn was cancelled).
 */
export type ExecuteToolCallOutcome =
  'ran' | 'blocked' | 'awaiting_approval' | 'rejected' | 'replayed' | 'interrupted' | 'withdrawn';

export class ExecuteToolCallCommand extends Command<ExecuteToolCallOutcome> {
  constructor(readonly envelope: Envelope<string, ToolCallRequested>) {
    super();
  }
}
