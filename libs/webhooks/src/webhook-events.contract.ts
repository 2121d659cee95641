import { type OutboundEventType, type Topics, type TopicEnvelope } from '#soma/contracts';
import { type RequeueItemEntity } from '#soma/persistence';
import { randomUUID } from 'node:crypto';

/**
 * The event types a webhook may subscribe to. Those of `conversation.outbound` are delivered as they were
 * published; `requeue.item_created` is recorded where requeue items are created. A new outbound type is one line
 * here (the `satisfies` keeps the list to types the contracts define).
 */
export const webhookEventTypes = [
  'turn.completed',
  'turn.failed',
  'turn.cancelled',
  'tool.approval_requested',
  'requeue.item_created',
] as const satisfies readonly (OutboundEventType | 'requeue.item_created')[];

export type WebhookEventType = (typeof webhookEventTypes)[number];

export const isWebhookEventType = (type: string): type is WebhookEventType =>
  (webhookEventTypes as readonly string[]).includes(type);

/** `data` of a `requeue.item_created` event. */
export interface RequeueItemCreatedData {
  itemId: string;
  toolCallId: string;
  tool: string;
  status: string;
  reasons: string[];
  attempt: number;
}

/** The JSON body POSTed to an endpoint: the same for every endpoint and every attempt of one event. */
export interface WebhookEvent {
  /** The event id: receivers deduplicate on it (a retry or a replay carries the same id). */
  id: string;
  type: WebhookEventType;
  occurredAt: string;
  tenantId: string;
  sessionId: string | null;
  data: object;
}

/** The webhook event an outbound envelope is, or null when no webhook subscribes to its type. */
export function webhookEventOf(
  envelope: TopicEnvelope<typeof Topics.conversationOutbound>,
): WebhookEvent | null {
  if (!isWebhookEventType(envelope.type)) return null;
  return {
    id: envelope.eventId,
    type: envelope.type,
    occurredAt: envelope.occurredAt,
    tenantId: envelope.tenantId,
    sessionId: envelope.sessionId,
    data: envelope.payload,
  };
}

/** The event of a requeue item just created (its first blocked attempt), for the tenant's webhooks. */
export function requeueItemCreatedEvent(item: RequeueItemEntity): WebhookEvent {
  const data: RequeueItemCreatedData = {
    itemId: item.id,
    toolCallId: item.toolCallId,
    tool: item.tool,
    status: item.status,
    reasons: item.reasons,
    attempt: item.attempt,
  };
  return {
    id: randomUUID(),
    type: 'requeue.item_created',
    occurredAt: item.createdAt.toISOString(),
    tenantId: item.tenantId,
    sessionId: item.sessionId,
    data,
  };
}
