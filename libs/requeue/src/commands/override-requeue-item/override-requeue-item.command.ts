import { Command } from '@nestjs/cqrs';
import { type Actor } from '../../actor.contract.js';

export interface RequeueItemOverridden {
  id: string;
  status: 'overridden';
  toolCallId: string;
  grantId: string;
  auditId: string;
}

/** Let one blocked call run despite policy: a single-use grant bound to the call and its arguments. */
export class OverrideRequeueItemCommand extends Command<RequeueItemOverridden> {
  constructor(
    readonly actor: Actor,
    readonly itemId: string,
    readonly reason: string,
    readonly correlationId: string,
  ) {
    super();
  }
}
