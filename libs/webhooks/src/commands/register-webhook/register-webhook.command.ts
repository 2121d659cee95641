import { Command } from '@nestjs/cqrs';
import { type AuditActor } from '#soma/persistence';
import { type WebhookEventType } from '../../webhook-events.contract.js';
import { type CreatedWebhookView } from '../../views.js';

/** Register an endpoint of the tenant for some event types (audited); the answer carries its secret, once. */
export class RegisterWebhookCommand extends Command<CreatedWebhookView> {
  constructor(
    readonly tenantId: string,
    readonly url: string,
    readonly eventTypes: readonly WebhookEventType[],
    readonly description: string | null,
    readonly actor: AuditActor,
  ) {
    super();
  }
}
