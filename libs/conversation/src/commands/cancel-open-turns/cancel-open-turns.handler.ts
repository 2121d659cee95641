import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { OutboxRelay, type StagedMessage } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { TurnCancelRequests } from '../../turns/turn-cancel-requests.js';
import { CancelOpenTurnsCommand } from './cancel-open-turns.command.js';

/** Records a cancel on each open turn of the session, in one transaction; returns how many it asked to cancel. */
@CommandHandler(CancelOpenTurnsCommand)
export class CancelOpenTurnsHandler implements ICommandHandler<CancelOpenTurnsCommand, number> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly requests: TurnCancelRequests,
    private readonly outbox: OutboxRelay,
  ) {}

  async execute({ tenantId, sessionId, by, correlationId }: CancelOpenTurnsCommand): Promise<number> {
    const ctx = { tenantId, sessionId, correlationId, causationId: null };
    const staged = await this.dataSource.transaction(async (manager) => {
      const requested: StagedMessage[] = [];
      for (const turn of await this.requests.open(manager, tenantId, sessionId)) {
        const request = await this.requests.request(manager, turn.id, ctx, by);
        if (request) requested.push(request.staged);
      }
      return requested;
    });
    await this.outbox.flush(staged).catch(() => undefined); // the outbox sweep sends what this could not
    return staged.length;
  }
}
