import { type Topic, type TopicEnvelope } from '#soma/contracts';

/** A transport adapter for one topic: receives envelopes already validated against the topic's contract. */
export interface KafkaHandler<P extends Topic = Topic> {
  readonly topic: P;
  handle(envelope: TopicEnvelope<P>, context: KafkaMessageContext): Promise<void>;
  /**
   * Called once a valid message of this topic is dead-lettered (a permanent failure), before the offset is
   * committed: what the message started must end now (a turn ends with the dead-letter reason).
   */
  onDeadLetter?(envelope: TopicEnvelope<P>, reason: string, detail: string): Promise<void>;
}

export interface KafkaMessageContext {
  readonly partition: number;
  readonly offset: string;
  /** Keeps the group membership alive during long handlers (a model turn can take seconds). */
  heartbeat(): Promise<void>;
}

/** An error a handler throws to say "retrying will not help": the message goes to the dead letters now. */
export class PermanentMessageError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
