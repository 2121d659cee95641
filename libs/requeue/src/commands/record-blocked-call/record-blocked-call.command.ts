import { Command } from '@nestjs/cqrs';
import { type Envelope, type ToolCallBlocked } from '#soma/contracts';
import { type BlockedPlan } from '../../retry-policy.js';

/** Keep a blocked call: for an admin (pending), for a retry (transient), or as a dead letter (exhausted). */
export class RecordBlockedCallCommand extends Command<BlockedPlan['kind'] | 'duplicate'> {
  constructor(readonly envelope: Envelope<string, ToolCallBlocked>) {
    super();
  }
}
