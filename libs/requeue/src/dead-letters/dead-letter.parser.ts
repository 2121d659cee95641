import {
  consumedTopics,
  deadLetterTopic,
  decodeEnvelope,
  isUuid,
  type Envelope,
  type Topic,
  type ToolCallRequested,
} from '#soma/contracts';

/** A message as read from a `.dlq` topic. */
export interface RawDeadLetter {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export interface ParsedDeadLetter {
  sourceTopic: string;
  source: string | null;
  reason: string;
  detail: string;
  app: string | null;
  eventId: string | null;
  tenantId: string | null;
  sessionId: string | null;
}

const uuidOrNull = (value: unknown): string | null => (isUuid(value) ? value : null);

/** Kafka header values arrive as buffers (or arrays of them); dead letters keep them as text. */
export function headersToText(headers: Record<string, unknown> | undefined): Record<string, string> {
  const text: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first: unknown = Array.isArray(value) ? value[0] : value;
    if (Buffer.isBuffer(first) || typeof first === 'string') text[name] = first.toString();
  }
  return text;
}

/** Which topic a dead-letter topic belongs to. */
export function sourceTopicOf(dlqTopic: string): string {
  return dlqTopic.endsWith('.dlq') ? dlqTopic.slice(0, -'.dlq'.length) : dlqTopic;
}

/** The `.dlq` topics requeue consumes: one per consumed topic. */
export const deadLetterTopics = (): string[] => consumedTopics.map((topic) => deadLetterTopic(topic));

/**
 * Reads the reason the dead-lettering consumer gave (headers) and, when the value is JSON, who it concerned.
 * Never throws: a letter without headers is still stored, with reason UNSPECIFIED.
 */
export function parseDeadLetter(letter: RawDeadLetter): ParsedDeadLetter {
  let ids: Record<string, unknown> = {};
  try {
    const value: unknown = JSON.parse(letter.value?.toString() ?? '');
    if (typeof value === 'object' && value !== null) ids = value as Record<string, unknown>;
  } catch {
    // malformed: that is often why it is here
  }
  return {
    sourceTopic: sourceTopicOf(letter.topic),
    source: letter.headers['soma-dlq-source'] ?? null,
    reason: letter.headers['soma-dlq-reason'] ?? 'UNSPECIFIED',
    detail: letter.headers['soma-dlq-detail'] ?? '',
    app: letter.headers['soma-dlq-app'] ?? null,
    eventId: uuidOrNull(ids.eventId),
    tenantId: uuidOrNull(ids.tenantId),
    sessionId: uuidOrNull(ids.sessionId),
  };
}

/**
 * The envelope a replay publishes: the stored one, valid for its topic, under a new eventId (consumers
 * deduplicate on it). A tool call goes out as its next attempt: the executor re-decides a blocked call only
 * on a later attempt. Null when the letter cannot be replayed (it would only be dead-lettered again).
 */
export function replayEnvelope(
  sourceTopic: string,
  value: Buffer | null,
  newEventId: string,
): { envelope: Envelope } | { error: string } {
  if (!(consumedTopics as readonly string[]).includes(sourceTopic))
    return { error: `${sourceTopic} is not a consumed topic` };
  const decoded = decodeEnvelope(sourceTopic as Topic, value);
  if (!decoded.ok) return { error: `${decoded.code}: ${decoded.detail}` };
  const envelope: Envelope = {
    ...decoded.envelope,
    eventId: newEventId,
    occurredAt: new Date().toISOString(),
  };
  if (envelope.type === 'tool.call.requested') {
    const payload = envelope.payload as ToolCallRequested;
    envelope.payload = { ...payload, attempt: payload.attempt + 1 };
  }
  return { envelope };
}
