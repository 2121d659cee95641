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
import { TurnRepository, type FinishGuard, type TurnEnding } from '../../turns/turn.repository.js';

export const NO_USAGE: TokenUsage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };

export const usageOf = (prompt: number, completion: number): TokenUsage => ({
  promptTokens: prompt,
  completionTokens: completion,
  totalTokens: prompt + completion,
});

/** The usage, what it costs at the run's profile's prices (0 when the run knew no profile), and the profile. */
function priced(
  run: FinishingRun,
  usage: TokenUsage,
): { usage: TokenUsage; cost: number; modelProfileId: string | null } {
  const profile = run.context?.profile.profile;
  const cost = profile
    ? (usage.promptTokens * profile.inputCostPer1k + usage.completionTokens * profile.outputCostPer1k) / 1000
    : 0;
  return { usage, cost, modelProfileId: profile?.id ?? run.turn.modelProfileId };
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
    const terminal = {
      type: 'turn.completed' as const,
      payload: { turnId: run.turn.id, messageId: reply.messageId, usage },
    };
    const ended = await this.end(run, { status: 'completed', terminal, reply, ...priced(run, usage) });
    if (ended) await this.after(run, usage, 'completed', null, [{ role: 'assistant', content: reply.text }]);
    return ended;
  }

  async fail(
    run: FinishingRun,
    code: string,
    message: string,
    usage: TokenUsage = NO_USAGE,
  ): Promise<boolean> {
    const terminal = {
      type: 'turn.failed' as const,
      payload: { turnId: run.turn.id, code, message, usage },
    };
    const error = { code, message };
    const ended = await this.end(run, { status: 'failed', terminal, error, ...priced(run, usage), cost: 0 });
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
    const ended = await this.end(run, {
      status: 'cancelled',
      cancelledBy: by,
      generation,
      ...priced(run, usage),
    });
    // The history cache is re-read: the partial reply is part of the conversation from now on.
    if (ended) await this.after(run, usage, 'cancelled', null, []);
    return ended;
  }

  private end(run: FinishingRun, ending: TurnEnding): Promise<boolean> {
    return persist(() => this.turns.finish(run.turn, run.guard, ending, run.ctx));
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
