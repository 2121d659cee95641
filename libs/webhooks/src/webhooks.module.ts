import { Module } from '@nestjs/common';
import { SecretBox, SomaConfig } from '#soma/platform';
import { DeleteWebhookHandler } from './commands/delete-webhook/delete-webhook.handler.js';
import { DeliverDueWebhooksHandler } from './commands/deliver-due-webhooks/deliver-due-webhooks.handler.js';
import { RecordWebhookEventHandler } from './commands/record-webhook-event/record-webhook-event.handler.js';
import { RegisterWebhookHandler } from './commands/register-webhook/register-webhook.handler.js';
import { WebhookDeliveryRepository } from './delivery/webhook-delivery.repository.js';
import { ListWebhookDeliveriesHandler } from './queries/list-webhook-deliveries/list-webhook-deliveries.handler.js';
import { ListWebhooksHandler } from './queries/list-webhooks/list-webhooks.handler.js';
import {
  deadLetteredCounterProvider,
  deliveredCounterProvider,
  failedCounterProvider,
} from './webhooks.metrics.js';

const secretBoxProvider = {
  provide: SecretBox,
  inject: [SomaConfig],
  useFactory: (config: SomaConfig) => new SecretBox(config.webhookSecretKey),
};

const apiCommandHandlers = [RegisterWebhookHandler, DeleteWebhookHandler];
const apiQueryHandlers = [ListWebhooksHandler, ListWebhookDeliveriesHandler];
const workerCommandHandlers = [RecordWebhookEventHandler, DeliverDueWebhooksHandler];

/** What the gateway needs: tenants register, list and delete endpoints, and read their deliveries. */
@Module({ providers: [...apiCommandHandlers, ...apiQueryHandlers, secretBoxProvider] })
export class WebhooksApiModule {}

/** What the requeue app needs: events → delivery rows, and the delivery worker (retries, dead letters). */
@Module({
  providers: [
    ...workerCommandHandlers,
    WebhookDeliveryRepository,
    secretBoxProvider,
    deliveredCounterProvider,
    failedCounterProvider,
    deadLetteredCounterProvider,
  ],
})
export class WebhooksWorkerModule {}
