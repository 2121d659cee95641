import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { WebhookEndpointEntity } from '#soma/persistence';
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
  ) {}

  async execute({
    tenantId,
    url,
    eventTypes,
    description,
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
    await this.dataSource.manager.insert(WebhookEndpointEntity, endpoint);
    return { ...toWebhookView(endpoint), secret };
  }
}
