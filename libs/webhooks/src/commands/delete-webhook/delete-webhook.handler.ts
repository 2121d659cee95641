import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AuditRecorder, OutboxRelay, WebhookEndpointEntity } from '#soma/persistence';
import { DataSource, IsNull } from 'typeorm';
import { WebhookError } from '../../webhooks.errors.js';
import { DeleteWebhookCommand } from './delete-webhook.command.js';

@CommandHandler(DeleteWebhookCommand)
export class DeleteWebhookHandler implements ICommandHandler<DeleteWebhookCommand, void> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditRecorder,
    private readonly outbox: OutboxRelay,
  ) {}

  async execute({ tenantId, webhookId, actor }: DeleteWebhookCommand): Promise<void> {
    const staged = await this.dataSource.transaction(async (manager) => {
      const deleted = await manager.update(
        WebhookEndpointEntity,
        { id: webhookId, tenantId, deletedAt: IsNull() },
        { deletedAt: () => 'now()' },
      );
      if (deleted.affected !== 1)
        throw new WebhookError('WEBHOOK_NOT_FOUND', `webhook ${webhookId} not found`);
      await manager.query(
        `UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL, updated_at = now()
         WHERE endpoint_id = $1 AND status = 'pending'`,
        [webhookId],
      );
      const audited = await this.audit.record(manager, actor, {
        action: 'webhook.deleted',
        subject: { type: 'webhook', id: webhookId },
        reason: 'webhook deleted; its pending deliveries cancelled',
        detail: {},
        tenantId,
        sessionId: null,
      });
      return audited.staged;
    });
    await this.outbox.flush([staged]);
  }
}
