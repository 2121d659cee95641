import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Topics, type Envelope, type ToolCallFinished } from '#soma/contracts';
import { type KafkaHandler } from '#soma/platform';
import { ResolveRetriedCallCommand } from '#soma/requeue';

@Injectable()
export class ToolResultsConsumer implements KafkaHandler {
  readonly topic = Topics.toolResults;

  constructor(private readonly commandBus: CommandBus) {}

  async handle(envelope: Envelope): Promise<void> {
    await this.commandBus.execute(
      new ResolveRetriedCallCommand(envelope as Envelope<string, ToolCallFinished>),
    );
  }
}
