import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { WebhookEndpointEntity } from '#soma/persistence';
import { DataSource, IsNull } from 'typeorm';
import { toWebhookView, type WebhookView } from '../../views.js';
import { ListWebhooksQuery } from './list-webhooks.query.js';

@QueryHandler(ListWebhooksQuery)
export class ListWebhooksHandler implements IQueryHandler<ListWebhooksQuery, WebhookView[]> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ tenantId }: ListWebhooksQuery): Promise<WebhookView[]> {
    const endpoints = await this.dataSource.manager.find(WebhookEndpointEntity, {
      where: { tenantId, deletedAt: IsNull() },
      order: { createdAt: 'DESC', id: 'DESC' },
    });
    return endpoints.map(toWebhookView);
  }
}
