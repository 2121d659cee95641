import { Injectable } from '@nestjs/common';
import { Topics, type Envelope } from '#soma/contracts';
import { ReplayLogRepository, toStreamEvent } from '#soma/conversation';
import { type KafkaHandler } from '#soma/platform';

/** Appends every outbound event to the per-session replay log; committed only after Redis has it. */
@Injectable()
export class ReplayLogWriterConsumer implements KafkaHandler {
  readonly topic = Topics.conversationOutbound;

  constructor(private readonly replayLog: ReplayLogRepository) {}

  handle(envelope: Envelope): Promise<void> {
    return this.replayLog.append(toStreamEvent(envelope));
  }
}
