import { Injectable } from '@nestjs/common';
import { Topics, type TopicEnvelope } from '#soma/contracts';
import { ReplayLogRepository, toStreamEvent } from '#soma/conversation';
import { type KafkaHandler } from '#soma/platform';

/**
 * Appends every outbound event to the per-session replay log. A durable consumer: while Redis cannot take an
 * event the consumer retries it without committing, so the log never has a hole behind its committed offset.
 */
@Injectable()
export class ReplayLogWriterConsumer implements KafkaHandler<typeof Topics.conversationOutbound> {
  readonly topic = Topics.conversationOutbound;

  constructor(private readonly replayLog: ReplayLogRepository) {}

  handle(envelope: TopicEnvelope<typeof Topics.conversationOutbound>): Promise<void> {
    return this.replayLog.append([toStreamEvent(envelope)]);
  }
}
