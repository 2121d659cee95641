import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { keysetPage, WebhookEndpointEntity, type KeysetPage } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { toWebhookView, type WebhookView } from '../../views.js';
import { ListWebhooksQuery } from './list-webhooks.query.js';

const order = {
  keys: [
    { expr: 'w.created_at', type: 'timestamptz' },
    { expr: 'w.id', type: 'uuid' },
  ],
  direction: 'DESC',
} as const;

@QueryHandler(ListWebhooksQuery)
export class ListWebhooksHandler implements IQueryHandler<ListWebhooksQuery, KeysetPage<WebhookView>> {
  constructor(private readonly dataSource: DataSource) {}

  execute({ tenantId, page }: ListWebhooksQuery): Promise<KeysetPage<WebhookView>> {
    const query = this.dataSource
      .getRepository(WebhookEndpointEntity)
      .createQueryBuilder('w')
      .where('w.tenant_id = :tenantId AND w.deleted_at IS NULL', { tenantId });
    return keysetPage(query, order, page, toWebhookView);
  }
}
