import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AuditRecorder, OutboxRelay, WebhookEndpointEntity } from '#soma/persistence';
import { AddressGuard, SecretBox } from '#soma/platform';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { checkWebhookUrl } from '../../signing/webhook-url.js';
import { generateWebhookSecret } from '../../signing/webhook-signature.js';
import { toWebhookView, type CreatedWebhookView } from '../../views.js';
import { RegisterWebhookCommand } from './register-webhook.command.js';

@CommandHandler(RegisterWebhookCommand)
export class RegisterWebhookHandler implements ICommandHandler<RegisterWebhookCommand, CreatedWebhookView> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly guard: AddressGuard,
    private readonly secrets: SecretBox,
    private readonly audit: AuditRecorder,
    private readonly outbox: OutboxRelay,
  ) {}

  async execute({
    tenantId,
    url,
    eventTypes,
    description,
    actor,
  }: RegisterWebhookCommand): Promise<CreatedWebhookView> {
    await checkWebhookUrl(this.guard, url);
    const secret = generateWebhookSecret();
    const endpoint = Object.assign(new WebhookEndpointEntity(), {
      id: randomUUID(),
      tenantId,
      url,
      eventTypes: [...new Set(eventTypes)],
      description,
      secretSealed: this.secrets.seal(secret),
      createdAt: new Date(),
      deletedAt: null,
    });
    const staged = await this.dataSource.transaction(async (manager) => {
      await manager.insert(WebhookEndpointEntity, endpoint);
      const audited = await this.audit.record(manager, actor, {
        action: 'webhook.registered',
        subject: { type: 'webhook', id: endpoint.id },
        reason: `webhook registered for ${endpoint.eventTypes.join(', ')}`,
        detail: { url, eventTypes: endpoint.eventTypes, description },
        tenantId,
        sessionId: null,
      });
      return audited.staged;
    });
    await this.outbox.flush([staged]);
    return { ...toWebhookView(endpoint), secret };
  }
}
