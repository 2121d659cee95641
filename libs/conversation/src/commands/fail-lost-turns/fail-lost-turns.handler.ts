import { CommandHandler, EventBus, type ICommandHandler } from '@nestjs/cqrs';
import { OutboxRelay } from '#soma/persistence';
import { TokenBudgetRepository } from '../../budget/token-budget.repository.js';
import { TurnFinishedEvent } from '../../events/turn-finished.event.js';
import { HistoryRepository } from '../../history/history.repository.js';
import { OutboundEventsPublisher } from '../../streaming/outbound-events.publisher.js';
import { TurnRepository } from '../../turns/turn.repository.js';
import { FailLostTurnsCommand } from './fail-lost-turns.command.js';

const NO_USAGE = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };

@CommandHandler(FailLostTurnsCommand)
export class FailLostTurnsHandler implements ICommandHandler<FailLostTurnsCommand, number> {
  constructor(
    private readonly turns: TurnRepository,
    private readonly events: OutboundEventsPublisher,
    private readonly outbox: OutboxRelay,
    private readonly budgets: TokenBudgetRepository,
    private readonly history: HistoryRepository,
    private readonly eventBus: EventBus,
  ) {}

  async execute(): Promise<number> {
    let failed = 0;
    for (const turn of await this.turns.lapsed(20)) {
      const context = {
        tenantId: turn.tenantId,
        sessionId: turn.sessionId,
        correlationId: turn.id,
        causationId: null,
      };
      // A running turn lost its worker; a turn awaiting a tool got no result in time.
      const lost = turn.status === 'running';
      const code = lost ? 'WORKER_LOST' : 'TOOL_TIMEOUT';
      const message = lost
        ? `the worker generating this turn stopped (lease owner ${turn.leaseOwner ?? 'unknown'})`
        : `no result for tool call ${turn.pendingToolCallId ?? ''} in time`;
      const envelope = await this.events.prepare(context, 'turn.failed', { turnId: turn.id, code, message });
      // The guarded update makes this exactly-once even with several watchdogs racing.
      const staged = await this.turns.fail(
        turn,
        null,
        { code, message },
        {
          envelope,
          usage: NO_USAGE,
          cost: 0,
          modelProfileId: turn.modelProfileId,
        },
      );
      if (!staged) continue;
      await this.outbox.flush([staged]);
      await this.budgets.settle(turn.tenantId, turn.sessionId, turn.id, 0);
      await this.history.invalidate(turn.sessionId);
      this.eventBus.publish(new TurnFinishedEvent(turn.id, 'unknown', 'failed', code, 0, null, 0));
      failed++;
    }
    return failed;
  }
}
