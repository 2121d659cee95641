import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Topics, type Envelope, type ToolCallBlocked } from '#soma/contracts';
import { type KafkaHandler } from '#soma/platform';
import { RecordBlockedCallCommand } from '#soma/requeue';

@Injectable()
export class BlockedCallsConsumer implements KafkaHandler {
  readonly topic = Topics.toolBlocked;

  constructor(private readonly commandBus: CommandBus) {}

  async handle(envelope: Envelope): Promise<void> {
    await this.commandBus.execute(
      new RecordBlockedCallCommand(envelope as Envelope<string, ToolCallBlocked>),
    );
  }
}
