import { Command } from '@nestjs/cqrs';

export interface PostedTurn {
  turnId: string;
  messageId: string;
}

export class PostUserMessageCommand extends Command<PostedTurn> {
  constructor(
    readonly tenantId: string,
    readonly sessionId: string,
    readonly content: string,
    readonly correlationId: string,
  ) {
    super();
  }
}
