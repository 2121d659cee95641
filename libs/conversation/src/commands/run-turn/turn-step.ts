import { Injectable, Logger } from '@nestjs/common';
import { type EnvelopeContext, type TokenUsage, type ToolCallRequested } from '#soma/contracts';
import { LlmError, LlmProviderRegistry } from '#soma/llm';
import { isTransient, persist, SomaConfig } from '#soma/platform';
import { randomUUID } from 'node:crypto';
import { planReservation } from '../../budget/token-budget.js';
import { TokenBudgetRepository } from '../../budget/token-budget.repository.js';
import { type TurnContext } from '../../history/turn-context.builder.js';
import { SessionEventJournal, TurnFencedError } from '../../streaming/session-event.journal.js';
import { turnTools } from '../../tools/tool-allowance.js';
import { ToolDecider } from '../../tools/tool-decider.js';
import { TurnRepository, type HeldTurn } from '../../turns/turn.repository.js';
import { type RunTurnOutcome } from './run-turn.command.js';
import { NO_USAGE, TurnFinisher, usageOf, type FinishingRun } from './turn-finisher.js';
import { chatSpan, generateWithLease } from './turn-generation.js';
import { holdingLease } from './turn-lease.js';
import { TurnToolRequest } from './turn-tool-request.js';

export interface StepInput {
  held: HeldTurn;
  ctx: EnvelopeContext;
  context: TurnContext;
  started: number;
  principal: ToolCallRequested['principal'];
  /** Whether the model may ask for a tool in this step (not while continuing after a tool result). */
  toolsAllowed: boolean;
  /** The run's own signal: aborts when the turn is cancelled (ActiveTurns). */
  stop: AbortSignal;
}

/**
 * One generation step of a held turn: budget, maybe a tool call, the streamed reply (continuing what an
 * earlier run streamed), and its ending. A run that loses its turn stops without writing anything more.
 */
@Injectable()
export class TurnStep {
  private readonly logger = new Logger(TurnStep.name);

  constructor(
    private readonly turns: TurnRepository,
    private readonly budgets: TokenBudgetRepository,
    private readonly providers: LlmProviderRegistry,
    private readonly journal: SessionEventJournal,
    private readonly decider: ToolDecider,
    private readonly toolRequest: TurnToolRequest,
    private readonly finisher: TurnFinisher,
    private readonly config: SomaConfig,
  ) {}

  async run(input: StepInput): Promise<RunTurnOutcome> {
    const run = {
      turn: input.held.turn,
      ctx: input.ctx,
      guard: { kind: 'run' as const, fence: input.held.fence },
    };
    const finishing = { ...run, context: input.context, started: input.started };
    try {
      return await this.generate(input, finishing);
    } catch (error) {
      if (error instanceof TurnFencedError) {
        const cancelled = await this.endIfCancelled(finishing, NO_USAGE);
        if (cancelled) return cancelled;
        // Another run took the turn over (this one was frozen or cut off): it writes nothing more.
        this.logger.warn({
          msg: 'run fenced out of its turn',
          turnId: run.turn.id,
          attempt: run.turn.attempt,
        });
        return 'skipped';
      }
      // An outage: the message is retried (not committed) and the next try takes the turn over.
      if (isTransient(error)) throw error;
      this.logger.error({ msg: 'turn failed', turnId: run.turn.id, error: (error as Error).message });
      const code = error instanceof LlmError ? error.code : 'GENERATION_FAILED';
      return (await this.finisher.fail(finishing, code, (error as Error).message)) ? 'failed' : 'skipped';
    }
  }

  private async generate(
    input: StepInput,
    finishing: Parameters<TurnFinisher['complete']>[0],
  ): Promise<RunTurnOutcome> {
    const { held, context, ctx } = input;
    const { turn, fence } = held;
    const { profile, fitted } = context;
    const renewLease = () => this.turns.renewLease(fence, this.config.turnLeaseMs);
    if (input.stop.aborted) return (await this.endIfCancelled(finishing, NO_USAGE)) ?? 'skipped';
    // A resumed run releases the reservation of the run it replaces before reserving again.
    if (turn.attempt > 1) await persist(() => this.budgets.settle(turn.tenantId, turn.sessionId, turn.id, 0));
    const [limits, usage] = await persist(() =>
      Promise.all([this.budgets.limits(turn.tenantId), this.budgets.usage(turn.tenantId, turn.sessionId)]),
    );
    const plan = planReservation(limits, usage, fitted.tokens, profile.maxTokens);
    const reserved =
      plan.ok &&
      (await persist(() =>
        this.budgets.reserve(turn.tenantId, turn.sessionId, turn.id, plan.reserve, limits),
      ));
    if (!plan.ok || !reserved) {
      const why = plan.ok ? 'budget taken by other turns' : plan.reason;
      return (await this.finisher.fail(finishing, 'BUDGET_EXCEEDED', why)) ? 'failed' : 'skipped';
    }
    const tools = turnTools(profile.profile, turn.toolAllowance);
    if (input.toolsAllowed && held.streamed === '' && tools.tools.length > 0) {
      // Deciding on a tool can take seconds on a busy CPU: the lease is held meanwhile, as while generating.
      const decision = await holdingLease(this.config.turnLeaseMs, renewLease, () =>
        this.decider.decide(fitted.messages, tools.tools, tools.required, turn.tenantId),
      );
      if (decision.leaseLost) return 'skipped';
      if (input.stop.aborted) return (await this.endIfCancelled(finishing, NO_USAGE)) ?? 'skipped';
      if (decision.value) {
        const requested = await this.toolRequest.request(input, decision.value);
        // Refused because a cancel was recorded meanwhile: the turn ends here.
        return requested === 'skipped'
          ? ((await this.endIfCancelled(finishing, NO_USAGE)) ?? 'skipped')
          : requested;
      }
    }
    const generation = await chatSpan(profile.profile, plan.completionAllowance, () =>
      generateWithLease({
        provider: this.providers.forProfile(profile.profile),
        request: {
          messages: fitted.messages,
          maxTokens: plan.completionAllowance,
          temperature: profile.profile.temperature,
          topP: profile.profile.topP,
          continueFrom: held.streamed === '' ? undefined : held.streamed,
          tenantId: turn.tenantId,
        },
        write: (delta, signal) =>
          this.journal.appendFenced(
            ctx,
            fence,
            [{ type: 'token', payload: { turnId: turn.id, delta } }],
            signal,
          ),
        coalesceMs: this.config.tokenCoalesceMs,
        leaseMs: this.config.turnLeaseMs,
        renewLease,
        stop: input.stop,
      }),
    );
    if (generation.leaseLost) return 'skipped';
    const used = usageOf(generation.result.promptTokens || fitted.tokens, generation.result.completionTokens);
    if (generation.stopped !== undefined) {
      // A cancel (its signal, or its record refusing a write) ends the turn with what it generated, charged.
      const cancelled = await this.endIfCancelled(finishing, used, generation);
      if (cancelled) return cancelled;
      // Otherwise the write that stopped it failed: handled like any failure of the step (run's catch).
      throw generation.stopped;
    }
    const run = { ...finishing, firstTokenSeconds: generation.firstTokenSeconds };
    if (plan.limitedByBudget && generation.result.stopReason === 'length') {
      const ended = await this.finisher.fail(
        run,
        'BUDGET_EXCEEDED',
        'the reply was cut at the token budget',
        used,
      );
      return ended ? 'failed' : 'skipped';
    }
    const reply = {
      messageId: randomUUID(),
      text: held.streamed + generation.text,
      startedAt: generation.startedAt,
      endedAt: generation.endedAt,
    };
    return (await this.finisher.complete(run, reply, used)) ? 'completed' : 'skipped';
  }

  /**
   * Ends the turn as cancelled when a cancel was asked for while this run holds it; undefined otherwise (the run
   * was stopped for another reason, which the caller handles).
   */
  private async endIfCancelled(
    run: FinishingRun,
    usage: TokenUsage,
    generation?: { startedAt: Date; endedAt: Date },
  ): Promise<RunTurnOutcome | undefined> {
    const now = await persist(() => this.turns.find(run.turn.id));
    const by = now?.cancelledBy;
    if (!now || !by || now.status !== 'running') return undefined;
    this.logger.log({ msg: 'turn cancelled', turnId: run.turn.id, via: by.via });
    return (await this.finisher.cancel(run, by, usage, generation)) ? 'cancelled' : 'skipped';
  }
}
