import { Command } from '@nestjs/cqrs';
import { type Actor } from '../../actor.contract.js';

export interface RequeueItemRejected {
  id: string;
  status: 'rejected';
  toolCallId: string;
  auditId: string;
}

/** Refuse a blocked call for good: the session gets a final blocked result carrying the reason. */
export class RejectRequeueItemCommand extends Command<RequeueItemRejected> {
  constructor(
    readonly actor: Actor,
    readonly itemId: string,
    readonly reason: string,
    readonly correlationId: string,
  ) {
    super();
  }
}
