import { Command } from '@nestjs/cqrs';
import { type TurnToolAllowance } from '#soma/persistence';

export interface PostedTurn {
  turnId: string;
  messageId: string;
  /** True when an earlier request with the same Idempotency-Key already created this turn. */
  replayed: boolean;
}

/**
 * What a message does when the session has a turn open (queued, running or waiting for a tool): wait behind it
 * (enqueue, the default), be refused (reject: TURN_IN_PROGRESS with that turn's id), or cancel every open turn
 * and then run (interrupt).
 */
export type IfBusy = 'enqueue' | 'reject' | 'interrupt';

export class PostUserMessageCommand extends Command<PostedTurn> {
  constructor(
    readonly tenantId: string,
    readonly sessionId: string,
    readonly content: string,
    readonly correlationId: string,
    readonly idempotencyKey: string | null,
    readonly principal: { role: 'admin' | 'user'; keyId: string | null },
    readonly ifBusy: IfBusy = 'enqueue',
    /** Narrows the model profile's tools for this turn (null: the profile's); names checked by the caller. */
    readonly toolAllowance: TurnToolAllowance | null = null,
  ) {
    super();
  }
}
