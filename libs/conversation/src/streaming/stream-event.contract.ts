import { type OutboundEventType, type TopicEnvelope } from '#soma/contracts';

/** One event as streamed to clients (SSE `id`/`event`/`data`, Socket.IO `event`). */
export interface StreamEvent {
  sessionId: string;
  seq: number;
  type: OutboundEventType;
  data: Record<string, unknown> & { seq: number };
  /** When the producer built the envelope (ISO 8601); used to measure delivery latency. */
  occurredAt?: string;
}

export function toStreamEvent(envelope: TopicEnvelope<'conversation.outbound'>): StreamEvent {
  return {
    sessionId: envelope.sessionId,
    seq: envelope.payload.seq,
    type: envelope.type,
    data: envelope.payload,
    occurredAt: envelope.occurredAt,
  };
}
