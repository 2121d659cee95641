export * from './webhooks.errors.js';
export * from './webhook-events.contract.js';
export * from './views.js';
export * from './signing/webhook-signature.js';
export {
  redeliverWebhook,
  stageWebhookEvent,
  WEBHOOK_DEAD_LETTER_SOURCE,
} from './delivery/webhook-delivery.repository.js';
export * from './commands/register-webhook/register-webhook.command.js';
export * from './commands/delete-webhook/delete-webhook.command.js';
export * from './commands/record-webhook-event/record-webhook-event.command.js';
export * from './commands/deliver-due-webhooks/deliver-due-webhooks.command.js';
export * from './queries/list-webhooks/list-webhooks.query.js';
export * from './queries/list-webhook-deliveries/list-webhook-deliveries.query.js';
export * from './webhooks.module.js';
