import { type Envelope, type Topic } from '#soma/contracts';

/** A transport adapter for one topic: validates nothing itself (the host did), executes a command. */
export interface KafkaHandler {
  readonly topic: Topic;
  handle(envelope: Envelope, context: KafkaMessageContext): Promise<void>;
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
