import { Query } from '@nestjs/cqrs';
import { type KeysetPage, type PageRequest } from '#soma/persistence';
import { type WebhookDeliveryView } from '../../views.js';

/** Deliveries of one endpoint of the tenant (a deleted one's too), newest first, a page at a time. */
export class ListWebhookDeliveriesQuery extends Query<KeysetPage<WebhookDeliveryView>> {
  constructor(
    readonly tenantId: string,
    readonly webhookId: string,
    readonly page: PageRequest,
  ) {
    super();
  }
}
