import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Topics, type TopicEnvelope } from '#soma/contracts';
import { AwaitToolApprovalCommand, ContinueTurnCommand, EndTurnCommand } from '#soma/conversation';
import { type KafkaHandler, type KafkaMessageContext } from '#soma/platform';

type ToolResult = TopicEnvelope<typeof Topics.toolResults>;

@Injectable()
export class ToolResultsConsumer implements KafkaHandler<typeof Topics.toolResults> {
  readonly topic = Topics.toolResults;

  constructor(private readonly commandBus: CommandBus) {}

  async handle(envelope: ToolResult, { heartbeat }: KafkaMessageContext): Promise<void> {
    if (envelope.type === 'tool.call.approval_requested')
      await this.commandBus.execute(new AwaitToolApprovalCommand(envelope));
    else await this.commandBus.execute(new ContinueTurnCommand(envelope, heartbeat));
  }

  /** A result that can never be handled: the turn waiting for it ends now, with the dead-letter reason. */
  async onDeadLetter(envelope: ToolResult, reason: string, detail: string): Promise<void> {
    const { turnId } = envelope.payload;
    if (turnId) await this.commandBus.execute(new EndTurnCommand(turnId, envelope, reason, detail));
  }
}
