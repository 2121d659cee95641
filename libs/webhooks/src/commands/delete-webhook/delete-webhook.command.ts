import { Command } from '@nestjs/cqrs';
import { type AuditActor } from '#soma/persistence';

/** Delete an endpoint of the tenant: it receives nothing more; its pending deliveries are cancelled. Audited. */
export class DeleteWebhookCommand extends Command<void> {
  constructor(
    readonly tenantId: string,
    readonly webhookId: string,
    readonly actor: AuditActor,
  ) {
    super();
  }
}
