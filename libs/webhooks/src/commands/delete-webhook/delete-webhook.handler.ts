import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { WebhookError } from '../../webhooks.errors.js';
import { DeleteWebhookCommand } from './delete-webhook.command.js';

@CommandHandler(DeleteWebhookCommand)
export class DeleteWebhookHandler implements ICommandHandler<DeleteWebhookCommand, void> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ tenantId, webhookId }: DeleteWebhookCommand): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const deleted: unknown[] = await manager.query(
        `UPDATE webhook_endpoints SET deleted_at = now()
         WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL RETURNING id`,
        [webhookId, tenantId],
      );
      if (deleted.length === 0) throw new WebhookError('WEBHOOK_NOT_FOUND', `webhook ${webhookId} not found`);
      await manager.query(
        `UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL, updated_at = now()
         WHERE endpoint_id = $1 AND status = 'pending'`,
        [webhookId],
      );
    });
  }
}
