import { type OutboundEventType } from '#soma/contracts';

/** One event as streamed to clients (SSE `id`/`event`/`data`, Socket.IO `event`). */
export interface StreamEvent {
  sessionId: string;
  seq: number;
  type: OutboundEventType;
  data: Record<string, unknown>;
  /** When the producer built the envelope (ISO 8601); used to measure delivery latency. */
  occurredAt?: string;
}
