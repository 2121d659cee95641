import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Topics, type TopicEnvelope } from '#soma/contracts';
import { type KafkaHandler } from '#soma/platform';
import { RecordBlockedCallCommand } from '#soma/requeue';

@Injectable()
export class BlockedCallsConsumer implements KafkaHandler<typeof Topics.toolBlocked> {
  readonly topic = Topics.toolBlocked;

  constructor(private readonly commandBus: CommandBus) {}

  async handle(envelope: TopicEnvelope<typeof Topics.toolBlocked>): Promise<void> {
    await this.commandBus.execute(new RecordBlockedCallCommand(envelope));
  }
}
