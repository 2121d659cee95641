import { Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type TurnEntity } from '#soma/persistence';
import { AppIdentity, SomaConfig } from '#soma/platform';
import { ActiveTurns } from '../../turns/active-turns.js';
import { TurnRepository } from '../../turns/turn.repository.js';
import { TurnDriver } from '../run-turn/turn-driver.js';
import { TurnFinisher } from '../run-turn/turn-finisher.js';
import { DataSource } from 'typeorm';
import { expireApprovalsOf } from './expired-approvals.js';
import { RecoverTurnsCommand } from './recover-turns.command.js';

const contextOf = (turn: TurnEntity) => ({
  tenantId: turn.tenantId,
  sessionId: turn.sessionId,
  correlationId: turn.id,
  causationId: null,
});

@CommandHandler(RecoverTurnsCommand)
export class RecoverTurnsHandler implements ICommandHandler<RecoverTurnsCommand, number> {
  private readonly logger = new Logger(RecoverTurnsHandler.name);
  private readonly resuming = new Set<string>();

  constructor(
    private readonly turns: TurnRepository,
    private readonly driver: TurnDriver,
    private readonly finisher: TurnFinisher,
    private readonly active: ActiveTurns,
    private readonly identity: AppIdentity,
    private readonly config: SomaConfig,
    private readonly dataSource: DataSource,
  ) {}

  async execute(): Promise<number> {
    let acted = 0;
    for (const turn of await this.turns.lapsed(20)) {
      if (this.active.has(turn.id) || this.resuming.has(turn.id)) continue;
      const ctx = contextOf(turn);
      acted++;
      if (turn.status === 'awaiting_tool') {
        const guard = { kind: 'lost' as const, attempt: turn.attempt, owner: this.identity.instanceId };
        const message = `no result for tool call ${turn.pendingToolCallId ?? ''} in time`;
        const ended = turn.cancelledBy
          ? await this.finisher.cancel({ turn, ctx, guard }, turn.cancelledBy)
          : await this.finisher.fail({ turn, ctx, guard }, 'TOOL_TIMEOUT', message);
        if (ended) await expireApprovalsOf(this.dataSource, turn.id);
      } else this.resume(turn);
    }
    const olderThan = this.config.turnStartTimeoutMs;
    for (const turn of await this.turns.neverStarted(olderThan, 20)) {
      const message = `the turn's message was not picked up within ${olderThan} ms (lost or dead-lettered)`;
      const run = { turn, ctx: contextOf(turn), guard: { kind: 'queued' as const } };
      const ended = turn.cancelledBy
        ? await this.finisher.cancel(run, turn.cancelledBy)
        : await this.finisher.fail(run, 'TURN_NOT_STARTED', message);
      if (ended) acted++;
    }
    return acted;
  }

  /** In the background: the run continues the turn while the sweep goes on. */
  private resume(turn: TurnEntity): void {
    this.resuming.add(turn.id);
    const ctx = contextOf(turn);
    void (async () => {
      const held = await this.driver.acquire(turn.id, ctx);
      if (held) await this.driver.drive(held, ctx, { role: 'user', keyId: null });
    })()
      .catch((error: unknown) => {
        this.logger.error({ msg: 'resuming a lost turn failed', turnId: turn.id, error: String(error) });
      })
      .finally(() => this.resuming.delete(turn.id));
  }
}
