/**
 * Kafka topics are part of the public contract: renaming one is a migration.
 * Partition counts are declared here and applied by provisioning.
 */
export const Topics = {
  conversationInbound: 'conversation.inbound',
  conversationOutbound: 'conversation.outbound',
  toolRequests: 'tool.requests',
  toolResults: 'tool.results',
  toolBlocked: 'tool.blocked',
  auditEvents: 'audit.events',
  turnControl: 'turn.control',
} as const;

export type Topic = (typeof Topics)[keyof typeof Topics];

/** Topics that have consumers, and therefore retry and dead-letter companions owned by requeue. */
export const consumedTopics: readonly Topic[] = [
  Topics.conversationInbound,
  Topics.conversationOutbound,
  Topics.toolRequests,
  Topics.toolResults,
  Topics.toolBlocked,
  Topics.turnControl,
];

export const retryTopic = (topic: Topic): string => `${topic}.retry`;
export const deadLetterTopic = (topic: Topic): string => `${topic}.dlq`;

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly retentionMs?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

const partitions: Record<Topic, number> = {
  'conversation.inbound': 6,
  'conversation.outbound': 6,
  'tool.requests': 3,
  'tool.results': 3,
  'tool.blocked': 3,
  'audit.events': 1,
  'turn.control': 3,
};

/** Every topic the platform needs, created up front before any app starts. */
export function allTopicSpecs(): TopicSpec[] {
  const specs: TopicSpec[] = Object.values(Topics).map((name) => ({ name, partitions: partitions[name] }));
  for (const topic of consumedTopics) {
    specs.push({ name: retryTopic(topic), partitions: partitions[topic] });
    specs.push({ name: deadLetterTopic(topic), partitions: 1, retentionMs: 30 * DAY_MS });
  }
  return specs;
}
