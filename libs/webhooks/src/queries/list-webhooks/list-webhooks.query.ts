import { Query } from '@nestjs/cqrs';
import { type WebhookView } from '../../views.js';

/** The tenant's live endpoints, newest first (never their secrets). */
export class ListWebhooksQuery extends Query<WebhookView[]> {
  constructor(readonly tenantId: string) {
    super();
  }
}
