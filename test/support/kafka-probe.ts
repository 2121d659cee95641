/** Real Kafka access for tests: publish envelopes and watch topics with a kafkajs consumer of its own group. */
import { type Envelope } from '#soma/contracts';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners, type Consumer, type Producer } from 'kafkajs';

export const brokers = (process.env.SOMA_KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');

export class KafkaProbe {
  readonly received: { topic: string; envelope: Envelope }[] = [];
  private readonly kafka = new Kafka({ clientId: 'soma-test-probe', brokers, logLevel: logLevel.NOTHING });
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;

  /** Subscribes from the end of each topic; resolves once the group is joined, so nothing later is missed. */
  async start(topics: string[]): Promise<void> {
    this.producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await this.producer.connect();
    const consumer = this.kafka.consumer({
      groupId: `soma-test-probe-${randomUUID()}`,
      maxWaitTimeInMs: 100,
    });
    this.consumer = consumer;
    const joined = new Promise<void>((resolve) =>
      consumer.on(consumer.events.GROUP_JOIN, () => {
        resolve();
      }),
    );
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: false });
    await consumer.run({
      eachMessage: ({ topic, message }) => {
        try {
          if (message.value) {
            this.received.push({ topic, envelope: JSON.parse(message.value.toString()) as Envelope });
          }
        } catch {
          // a malformed message (a test produced it on purpose): not an envelope to wait for
        }
        return Promise.resolve();
      },
    });
    await joined;
    // The group has partitions, but fetch offsets resolve a moment later: give them time before publishing.
    await new Promise((resolve) => setTimeout(resolve, 1500));
  }

  async publish(topic: string, envelope: Envelope): Promise<void> {
    await this.producer?.send({
      topic,
      messages: [{ key: envelope.sessionId, value: JSON.stringify(envelope) }],
    });
  }

  /** Produces raw bytes (for example a malformed message), as a buggy or hostile producer would. */
  async publishRaw(topic: string, key: string, value: string): Promise<void> {
    await this.producer?.send({ topic, messages: [{ key, value }] });
  }

  /** The messages received so far that match, without waiting. */
  seen<T = unknown>(
    predicate: (topic: string, envelope: Envelope<string, T>) => boolean,
  ): Envelope<string, T>[] {
    return this.received
      .filter((entry) => predicate(entry.topic, entry.envelope as Envelope<string, T>))
      .map((entry) => entry.envelope as Envelope<string, T>);
  }

  /** Waits until `count` messages match; returns them. */
  async waitFor<T = unknown>(
    predicate: (topic: string, envelope: Envelope<string, T>) => boolean,
    timeoutMs: number,
    count = 1,
  ): Promise<Envelope<string, T>[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received
        .filter((entry) => predicate(entry.topic, entry.envelope as Envelope<string, T>))
        .map((entry) => entry.envelope as Envelope<string, T>);
      if (found.length >= count) return found;
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeoutMs} ms: ${found.length}/${count} matching messages`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
  }
}
