import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { RequeueItemRepository } from '../../requeue-item.repository.js';
import { ResolveRetriedCallCommand } from './resolve-retried-call.command.js';

@CommandHandler(ResolveRetriedCallCommand)
export class ResolveRetriedCallHandler implements ICommandHandler<ResolveRetriedCallCommand, void> {
  constructor(private readonly items: RequeueItemRepository) {}

  async execute({ envelope }: ResolveRetriedCallCommand): Promise<void> {
    // A blocked result is followed by its own tool.blocked event, which updates the item.
    if (envelope.payload.status !== 'blocked') await this.items.markResolved(envelope.payload.toolCallId);
  }
}
