import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { WebhookDeliveryEntity, WebhookEndpointEntity } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { toDeliveryView, type WebhookDeliveryPage } from '../../views.js';
import { WebhookError } from '../../webhooks.errors.js';
import { ListWebhookDeliveriesQuery } from './list-webhook-deliveries.query.js';

@QueryHandler(ListWebhookDeliveriesQuery)
export class ListWebhookDeliveriesHandler implements IQueryHandler<
  ListWebhookDeliveriesQuery,
  WebhookDeliveryPage
> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({
    tenantId,
    webhookId,
    limit,
    offset,
  }: ListWebhookDeliveriesQuery): Promise<WebhookDeliveryPage> {
    const owned = await this.dataSource.manager.existsBy(WebhookEndpointEntity, { id: webhookId, tenantId });
    if (!owned) throw new WebhookError('WEBHOOK_NOT_FOUND', `webhook ${webhookId} not found`);
    const [deliveries, total] = await this.dataSource.manager.findAndCount(WebhookDeliveryEntity, {
      where: { endpointId: webhookId },
      order: { createdAt: 'DESC', id: 'DESC' },
      take: limit,
      skip: offset,
    });
    return { items: deliveries.map(toDeliveryView), total, limit, offset };
  }
}
