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
    await this.commandBus.execute(new ResolveRetriedCallCommand(envelope));
  }
}
