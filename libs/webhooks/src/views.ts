import { type WebhookDeliveryEntity, type WebhookEndpointEntity } from '#soma/persistence';
import { type WebhookEventType } from './webhook-events.contract.js';

export interface WebhookView {
  id: string;
  url: string;
  eventTypes: WebhookEventType[];
  description: string | null;
  createdAt: string;
}

/** The answer to a registration: the only time the secret is shown. */
export interface CreatedWebhookView extends WebhookView {
  secret: string;
}

export interface WebhookDeliveryView {
  id: string;
  eventId: string;
  eventType: string;
  status: WebhookDeliveryEntity['status'];
  attempts: number;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  createdAt: string;
  updatedAt: string;
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

export const toWebhookView = (endpoint: WebhookEndpointEntity): WebhookView => ({
  id: endpoint.id,
  url: endpoint.url,
  eventTypes: endpoint.eventTypes as WebhookEventType[],
  description: endpoint.description,
  createdAt: endpoint.createdAt.toISOString(),
});

export const toDeliveryView = (delivery: WebhookDeliveryEntity): WebhookDeliveryView => ({
  id: delivery.id,
  eventId: delivery.eventId,
  eventType: delivery.eventType,
  status: delivery.status,
  attempts: delivery.attempts,
  nextAttemptAt: iso(delivery.nextAttemptAt),
  lastStatusCode: delivery.lastStatusCode,
  lastError: delivery.lastError,
  deliveredAt: iso(delivery.deliveredAt),
  createdAt: delivery.createdAt.toISOString(),
  updatedAt: delivery.updatedAt.toISOString(),
});
