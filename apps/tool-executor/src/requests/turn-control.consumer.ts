import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Topics, type TopicEnvelope } from '#soma/contracts';
import { type KafkaHandler } from '#soma/platform';
import { WithdrawToolCallCommand } from '#soma/tools';

/** turn.control, seen by every instance: a cancelled turn's running call is killed where it runs. */
@Injectable()
export class TurnControlConsumer implements KafkaHandler<typeof Topics.turnControl> {
  readonly topic = Topics.turnControl;

  constructor(private readonly commandBus: CommandBus) {}

  async handle(envelope: TopicEnvelope<typeof Topics.turnControl>): Promise<void> {
    await this.commandBus.execute(new WithdrawToolCallCommand(envelope));
  }
}
