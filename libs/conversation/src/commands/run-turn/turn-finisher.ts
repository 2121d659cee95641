import { Injectable, Logger } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import { type Canceller, type EnvelopeContext, type TokenUsage } from '#soma/contracts';
import { type TurnEntity } from '#soma/persistence';
import { persist } from '#soma/platform';
import { TokenBudgetRepository } from '../../budget/token-budget.repository.js';
import { TurnFinishedEvent } from '../../events/turn-finished.event.js';
import { HistoryRepository } from '../../history/history.repository.js';
import { type TurnContext } from '../../history/turn-context.builder.js';
import { SessionEventJournal } from '../../streaming/session-event.journal.js';
import { TurnRepository, type FinishGuard } from '../../turns/turn.repository.js';

export const NO_USAGE: TokenUsage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };

export const usageOf = (prompt: number, completion: number): TokenUsage => ({
  promptTokens: prompt,
  completionTokens: completion,
  totalTokens: prompt + completion,
});

/** What the usage costs at the run's model profile's prices (0 when the run knew no profile). */
function costOf(run: FinishingRun, usage: TokenUsage): number {
  const profile = run.context?.profile.profile;
  if (!profile) return 0;
  return (
    (usage.promptTokens * profile.inputCostPer1k + usage.completionTokens * profile.outputCostPer1k) / 1000
  );
}

/** What the turn's run knew, for the after-effects (history cache, metrics). */
export interface FinishingRun {
  turn: TurnEntity;
  ctx: EnvelopeContext;
  guard: FinishGuard;
  context?: TurnContext;
  started?: number;
  firstTokenSeconds?: number | null;
}

/**
 * The one place that ends turns (runner, watchdog, dead letters, budget): the terminal event is written with
 * the state change, then published; budgets settle and the history cache learns the turn.
 */
@Injectable()
export class TurnFinisher {
  private readonly logger = new Logger(TurnFinisher.name);

  constructor(
    private readonly turns: TurnRepository,
    private readonly journal: SessionEventJournal,
    private readonly budgets: TokenBudgetRepository,
    private readonly history: HistoryRepository,
    private readonly eventBus: EventBus,
  ) {}

  async complete(
    run: FinishingRun,
    reply: { messageId: string; text: string; startedAt: Date; endedAt: Date },
    usage: TokenUsage,
  ): Promise<boolean> {
    const profile = run.context?.profile.profile;
    const cost = costOf(run, usage);
    const { turn } = run;
    const ended = await persist(() =>
      this.turns.finish(
        turn,
        run.guard,
        {
          status: 'completed',
          terminal: {
            type: 'turn.completed',
            payload: { turnId: turn.id, messageId: reply.messageId, usage },
          },
          usage,
          cost,
          modelProfileId: profile?.id ?? turn.modelProfileId,
          reply,
        },
        run.ctx,
      ),
    );
    if (ended) await this.after(run, usage, 'completed', null, [{ role: 'assistant', content: reply.text }]);
    return ended;
  }

  async fail(
    run: FinishingRun,
    code: string,
    message: string,
    usage: TokenUsage = NO_USAGE,
  ): Promise<boolean> {
    const { turn } = run;
    const ended = await persist(() =>
      this.turns.finish(
        turn,
        run.guard,
        {
          status: 'failed',
          terminal: { type: 'turn.failed', payload: { turnId: turn.id, code, message, usage } },
          usage,
          cost: 0,
          modelProfileId: run.context?.profile.profile.id ?? turn.modelProfileId,
          error: { code, message },
        },
        run.ctx,
      ),
    );
    if (ended) await this.after(run, usage, 'failed', code, []);
    return ended;
  }

  /**
   * Ends the turn as cancelled: its reply as far as it streamed is kept (marked cancelled), and what it
   * generated is charged.
   */
  async cancel(
    run: FinishingRun,
    by: Canceller,
    usage: TokenUsage = NO_USAGE,
    generation?: { startedAt: Date; endedAt: Date },
  ): Promise<boolean> {
    const profile = run.context?.profile.profile;
    const cost = costOf(run, usage);
    const { turn } = run;
    const ended = await persist(() =>
      this.turns.finish(
        turn,
        run.guard,
        {
          status: 'cancelled',
          cancelledBy: by,
          usage,
          cost,
          modelProfileId: profile?.id ?? turn.modelProfileId,
          generation,
        },
        run.ctx,
      ),
    );
    // The history cache is re-read: the partial reply is part of the conversation from now on.
    if (ended) await this.after(run, usage, 'cancelled', null, []);
    return ended;
  }

  private async after(
    run: FinishingRun,
    usage: TokenUsage,
    result: 'completed' | 'failed' | 'cancelled',
    code: string | null,
    reply: { role: 'assistant'; content: string }[],
  ): Promise<void> {
    const { turn, context } = run;
    await this.journal.publish(turn.sessionId);
    try {
      await persist(() => this.budgets.settle(turn.tenantId, turn.sessionId, turn.id, usage.totalTokens));
      // Turns with tool calls are simplest re-read from PostgreSQL than appended piecemeal.
      if (context && context.current.every((m) => m.role === 'user') && reply.length > 0)
        await persist(() => this.history.appendTurn(turn.sessionId, turn.id, [...context.current, ...reply]));
      else await persist(() => this.history.invalidate(turn.sessionId));
    } catch (error) {
      this.logger.error({
        msg: 'after-effects of a finished turn failed',
        turnId: turn.id,
        error: String(error),
      });
    }
    this.eventBus.publish(
      new TurnFinishedEvent(
        turn.id,
        context?.profile.profile.name ?? 'unknown',
        result,
        code,
        run.started === undefined ? 0 : (performance.now() - run.started) / 1000,
        run.firstTokenSeconds ?? null,
        usage.completionTokens,
      ),
    );
  }
}
