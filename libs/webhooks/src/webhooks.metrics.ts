import { makeCounterProvider } from '@willsoto/nestjs-prometheus';

export const deliveredCounterProvider = makeCounterProvider({
  name: 'webhook_deliveries_delivered_total',
  help: 'Webhook deliveries an endpoint accepted (2xx), by event type',
  labelNames: ['event_type'],
});

export const failedCounterProvider = makeCounterProvider({
  name: 'webhook_delivery_attempts_failed_total',
  help: 'Webhook delivery attempts that failed (non-2xx, timeout, refused address, connection error), by event type',
  labelNames: ['event_type'],
});

export const deadLetteredCounterProvider = makeCounterProvider({
  name: 'webhook_deliveries_dead_lettered_total',
  help: 'Webhook deliveries that ran out of attempts and became dead letters, by event type',
  labelNames: ['event_type'],
});
