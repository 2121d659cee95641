import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { keysetPage, WebhookDeliveryEntity, WebhookEndpointEntity, type KeysetPage } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { toDeliveryView, type WebhookDeliveryView } from '../../views.js';
import { WebhookError } from '../../webhooks.errors.js';
import { ListWebhookDeliveriesQuery } from './list-webhook-deliveries.query.js';

const order = {
  keys: [
    { expr: 'd.created_at', type: 'timestamptz' },
    { expr: 'd.id', type: 'uuid' },
  ],
  direction: 'DESC',
} as const;

@QueryHandler(ListWebhookDeliveriesQuery)
export class ListWebhookDeliveriesHandler implements IQueryHandler<
  ListWebhookDeliveriesQuery,
  KeysetPage<WebhookDeliveryView>
> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({
    tenantId,
    webhookId,
    page,
  }: ListWebhookDeliveriesQuery): Promise<KeysetPage<WebhookDeliveryView>> {
    const owned = await this.dataSource.manager.existsBy(WebhookEndpointEntity, { id: webhookId, tenantId });
    if (!owned) throw new WebhookError('WEBHOOK_NOT_FOUND', `webhook ${webhookId} not found`);
    const query = this.dataSource
      .getRepository(WebhookDeliveryEntity)
      .createQueryBuilder('d')
      .where('d.endpoint_id = :webhookId', { webhookId });
    return keysetPage(query, order, page, toDeliveryView);
  }
}
