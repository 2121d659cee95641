import { Command } from '@nestjs/cqrs';

/** Delete an endpoint of the tenant: it receives nothing more; its pending deliveries are cancelled. */
export class DeleteWebhookCommand extends Command<void> {
  constructor(
    readonly tenantId: string,
    readonly webhookId: string,
  ) {
    super();
  }
}
