import { Query } from '@nestjs/cqrs';
import { type WebhookDeliveryPage } from '../../views.js';

/** Deliveries of one endpoint of the tenant (a deleted one's too), newest first. */
export class ListWebhookDeliveriesQuery extends Query<WebhookDeliveryPage> {
  constructor(
    readonly tenantId: string,
    readonly webhookId: string,
    readonly limit: number,
    readonly offset: number,
  ) {
    super();
  }
}
