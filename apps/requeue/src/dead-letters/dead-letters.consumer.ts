import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { RecordDeadLetterCommand, type RawKafkaHandler, type RawKafkaMessage } from '#soma/requeue';

@Injectable()
export class DeadLettersConsumer implements RawKafkaHandler {
  constructor(private readonly commandBus: CommandBus) {}

  async handle(message: RawKafkaMessage): Promise<void> {
    await this.commandBus.execute(new RecordDeadLetterCommand(message));
  }
}
