import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Topics, type TopicEnvelope } from '#soma/contracts';
import { type KafkaHandler } from '#soma/platform';
import { ExecuteToolCallCommand } from '#soma/tools';

@Injectable()
export class ToolRequestsConsumer implements KafkaHandler<typeof Topics.toolRequests> {
  readonly topic = Topics.toolRequests;

  constructor(private readonly commandBus: CommandBus) {}

  async handle(envelope: TopicEnvelope<typeof Topics.toolRequests>): Promise<void> {
    await this.commandBus.execute(new ExecuteToolCallCommand(envelope));
  }
}
