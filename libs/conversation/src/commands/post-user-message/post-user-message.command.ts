import { Command } from '@nestjs/cqrs';

export interface PostedTurn {
  turnId: string;
  messageId: string;
  /** True when an earlier request with the same Idempotency-Key already created this turn. */
  replayed: boolean;
}

export class PostUserMessageCommand extends Command<PostedTurn> {
  constructor(
    readonly tenantId: string,
    readonly sessionId: string,
    readonly content: string,
    readonly correlationId: string,
    readonly idempotencyKey: string | null,
    readonly principal: { role: 'admin' | 'user'; keyId: string | null },
  ) {
    super();
  }
}
