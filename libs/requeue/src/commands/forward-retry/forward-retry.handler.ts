import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { deadLetterTopic, decodeEnvelope, type Topic } from '#soma/contracts';
import { AppIdentity, KafkaClient } from '#soma/platform';
import { NOT_BEFORE_HEADER } from '../../retries/retry.publisher.js';
import { ForwardRetryCommand } from './forward-retry.command.js';

const STEP_MS = 1000;

/**
 * Holds the message until its not-before time (heartbeating: the partition stays ours), then produces it to
 * the topic it retries. A message that is not a valid envelope of that topic is dead-lettered instead.
 */
@CommandHandler(ForwardRetryCommand)
export class ForwardRetryHandler implements ICommandHandler<
  ForwardRetryCommand,
  'forwarded' | 'dead_lettered'
> {
  constructor(
    private readonly kafka: KafkaClient,
    private readonly identity: AppIdentity,
  ) {}

  async execute({ message, heartbeat }: ForwardRetryCommand): Promise<'forwarded' | 'dead_lettered'> {
    const target = message.topic.replace(/\.retry$/, '') as Topic;
    const decoded = decodeEnvelope(target, message.value);
    if (!decoded.ok) {
      await this.kafka.send(deadLetterTopic(target), [
        {
          key: message.key,
          value: message.value,
          headers: {
            ...message.headers,
            'soma-dlq-reason': decoded.code,
            'soma-dlq-detail': decoded.detail.slice(0, 2000),
            'soma-dlq-source': `${message.topic}/${message.partition}/${message.offset}`,
            'soma-dlq-app': this.identity.name,
            'soma-dlq-at': new Date().toISOString(),
          },
        },
      ]);
      return 'dead_lettered';
    }
    const notBefore = Number(message.headers[NOT_BEFORE_HEADER] ?? 0);
    for (let wait = notBefore - Date.now(); wait > 0; wait = notBefore - Date.now()) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(STEP_MS, wait)));
      await heartbeat();
    }
    await this.kafka.send(target, [{ key: message.key, value: message.value }]);
    return 'forwarded';
  }
}
