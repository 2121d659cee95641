import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ForwardRetryCommand, type RawKafkaHandler, type RawKafkaMessage } from '#soma/requeue';

@Injectable()
export class RetryForwarderConsumer implements RawKafkaHandler {
  constructor(private readonly commandBus: CommandBus) {}

  async handle(message: RawKafkaMessage, heartbeat: () => Promise<void>): Promise<void> {
    await this.commandBus.execute(new ForwardRetryCommand(message, heartbeat));
  }
}
