import { Query } from '@nestjs/cqrs';
import { type KeysetPage, type PageRequest } from '#soma/persistence';
import { type WebhookView } from '../../views.js';

/** The tenant's live endpoints, newest first (never their secrets), a page at a time. */
export class ListWebhooksQuery extends Query<KeysetPage<WebhookView>> {
  constructor(
    readonly tenantId: string,
    readonly page: PageRequest,
  ) {
    super();
  }
}
