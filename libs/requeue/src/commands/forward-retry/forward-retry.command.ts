import { Command } from '@nestjs/cqrs';
import { type RawKafkaMessage } from '../../kafka/raw-topic-consumer.host.js';

/** A retry is due (or will be): wait until its time, then send it back to its topic. */
export class ForwardRetryCommand extends Command<'forwarded' | 'dead_lettered'> {
  constructor(
    readonly message: RawKafkaMessage,
    readonly heartbeat: () => Promise<void>,
  ) {
    super();
  }
}
