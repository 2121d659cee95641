import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Topics, type TopicEnvelope } from '#soma/contracts';
import { type KafkaHandler } from '#soma/platform';
import { ResolveRetriedCallCommand } from '#soma/requeue';

@Injectable()
export class ToolResultsConsumer implements KafkaHandler<typeof Topics.toolResults> {
  readonly topic = Topics.toolResults;

  constructor(private readonly commandBus: CommandBus) {}

  async handle(envelope: TopicEnvelope<typeof Topics.toolResults>): Promise<void> {
    // A call waiting for its session's user is not the requeue's: the chat answers it.
    if (envelope.type === 'tool.call.approval_requested') return;
    await this.commandBus.execute(new ResolveRetriedCallCommand(envelope));
  }
}
