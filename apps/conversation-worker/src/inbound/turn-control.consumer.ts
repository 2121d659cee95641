import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Topics, type TopicEnvelope } from '#soma/contracts';
import { StopTurnCommand } from '#soma/conversation';
import { type KafkaHandler } from '#soma/platform';

/** turn.control, seen by every instance: a cancel stops the run holding the turn, wherever it is. */
@Injectable()
export class TurnControlConsumer implements KafkaHandler<typeof Topics.turnControl> {
  readonly topic = Topics.turnControl;

  constructor(private readonly commandBus: CommandBus) {}

  async handle(envelope: TopicEnvelope<typeof Topics.turnControl>): Promise<void> {
    await this.commandBus.execute(new StopTurnCommand(envelope));
  }
}
