import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Topics, type Envelope, type ToolCallRequested } from '#soma/contracts';
import { type KafkaHandler } from '#soma/platform';
import { ExecuteToolCallCommand } from '#soma/tools';

@Injectable()
export class ToolRequestsConsumer implements KafkaHandler {
  readonly topic = Topics.toolRequests;

  constructor(private readonly commandBus: CommandBus) {}

  async handle(envelope: Envelope): Promise<void> {
    await this.commandBus.execute(
      new ExecuteToolCallCommand(envelope as Envelope<string, ToolCallRequested>),
    );
  }
}
