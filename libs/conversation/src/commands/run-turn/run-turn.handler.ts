import { Logger } from '@nestjs/common';
import { CommandHandler, EventBus, type ICommandHandler } from '@nestjs/cqrs';
import { type EnvelopeContext, type TokenUsage } from '#soma/contracts';
import { LlmError, LlmProviderRegistry } from '#soma/llm';
import { OutboxRelay, SessionEntity, type TurnEntity } from '#soma/persistence';
import { AppIdentity, SomaConfig } from '#soma/platform';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { planReservation } from '../../budget/token-budget.js';
import { TokenBudgetRepository } from '../../budget/token-budget.repository.js';
import { TurnFinishedEvent } from '../../events/turn-finished.event.js';
import { HistoryRepository } from '../../history/history.repository.js';
import { TurnContextBuilder, type TurnContext } from '../../history/turn-context.builder.js';
import { OutboundEventsPublisher } from '../../streaming/outbound-events.publisher.js';
import { TurnRepository } from '../../turns/turn.repository.js';
import { RunTurnCommand, type RunTurnOutcome } from './run-turn.command.js';
import { generateWithLease } from './turn-generation.js';

const usageOf = (prompt: number, completion: number): TokenUsage => ({
  promptTokens: prompt,
  completionTokens: completion,
  totalTokens: prompt + completion,
});

/** Claims a queued turn, reserves budget, streams the model's reply as deltas, and ends the turn exactly once. */
@CommandHandler(RunTurnCommand)
export class RunTurnHandler implements ICommandHandler<RunTurnCommand, RunTurnOutcome> {
  private readonly logger = new Logger(RunTurnHandler.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly turns: TurnRepository,
    private readonly contexts: TurnContextBuilder,
    private readonly budgets: TokenBudgetRepository,
    private readonly history: HistoryRepository,
    private readonly providers: LlmProviderRegistry,
    private readonly events: OutboundEventsPublisher,
    private readonly outbox: OutboxRelay,
    private readonly eventBus: EventBus,
    private readonly identity: AppIdentity,
    private readonly config: SomaConfig,
  ) {}

  async execute({ envelope }: RunTurnCommand): Promise<RunTurnOutcome> {
    const owner = this.identity.instanceId;
    const turn = await this.turns.claim(
      envelope.payload.turnId,
      envelope.tenantId,
      owner,
      this.config.turnLeaseMs,
    );
    if (!turn) return 'skipped';
    const started = performance.now();
    const ctx: EnvelopeContext = { ...envelope, causationId: envelope.eventId };
    const stream = this.events.turnStream(ctx, turn.id, this.config.tokenCoalesceMs);
    stream.enqueue(() => this.events.publish(ctx, 'turn.started', { turnId: turn.id }));
    let context: TurnContext | undefined;
    try {
      const session = await this.dataSource
        .getRepository(SessionEntity)
        .findOneByOrFail({ id: turn.sessionId });
      context = await this.contexts.build(turn, session.modelProfileId);
      const { profile, fitted } = context;
      const [limits, usage] = await Promise.all([
        this.budgets.limits(turn.tenantId),
        this.budgets.usage(turn.tenantId, turn.sessionId),
      ]);
      const plan = planReservation(limits, usage, fitted.tokens, profile.maxTokens);
      if (
        !plan.ok ||
        !(await this.budgets.reserve(turn.tenantId, turn.sessionId, turn.id, plan.reserve, limits))
      ) {
        await stream.close();
        return await this.fail(
          turn,
          ctx,
          context,
          'BUDGET_EXCEEDED',
          plan.ok ? 'budget taken by other turns' : plan.reason,
          usageOf(0, 0),
          started,
        );
      }
      const generation = await generateWithLease({
        provider: this.providers.forProfile(profile.profile),
        request: {
          messages: fitted.messages,
          maxTokens: plan.completionAllowance,
          temperature: profile.profile.temperature,
          topP: profile.profile.topP,
        },
        stream,
        leaseMs: this.config.turnLeaseMs,
        renewLease: () => this.turns.renewLease(turn.id, owner, this.config.turnLeaseMs),
      });
      const used = usageOf(
        generation.result.promptTokens || fitted.tokens,
        generation.result.completionTokens,
      );
      if (generation.leaseLost) return 'skipped';
      if (plan.limitedByBudget && generation.result.stopReason === 'length') {
        return await this.fail(
          turn,
          ctx,
          context,
          'BUDGET_EXCEEDED',
          'the reply was cut at the token budget',
          used,
          started,
        );
      }
      const messageId = randomUUID();
      const cost =
        (used.promptTokens * profile.profile.inputCostPer1k +
          used.completionTokens * profile.profile.outputCostPer1k) /
        1000;
      const terminal = await this.events.prepare(ctx, 'turn.completed', {
        turnId: turn.id,
        messageId,
        usage: used,
      });
      const staged = await this.turns.complete(
        turn,
        owner,
        { messageId, text: generation.text, startedAt: generation.startedAt, endedAt: generation.endedAt },
        { envelope: terminal, usage: used, cost, modelProfileId: profile.profile.id },
      );
      if (!staged) return 'skipped';
      await this.outbox.flush([staged]);
      await this.afterFinish(turn, context, used, [{ role: 'assistant', content: generation.text }]);
      this.eventBus.publish(
        new TurnFinishedEvent(
          turn.id,
          profile.profile.name,
          'completed',
          null,
          (performance.now() - started) / 1000,
          generation.firstTokenSeconds,
          used.completionTokens,
        ),
      );
      return 'completed';
    } catch (error) {
      this.logger.error({ msg: 'turn failed', turnId: turn.id, error: (error as Error).message });
      await stream.close().catch(() => undefined);
      const code = error instanceof LlmError ? error.code : 'GENERATION_FAILED';
      return this.fail(turn, ctx, context, code, (error as Error).message, usageOf(0, 0), started);
    }
  }

  private async fail(
    turn: TurnEntity,
    ctx: EnvelopeContext,
    context: TurnContext | undefined,
    code: string,
    message: string,
    usage: TokenUsage,
    started: number,
  ): Promise<RunTurnOutcome> {
    const terminal = await this.events.prepare(ctx, 'turn.failed', { turnId: turn.id, code, message, usage });
    const staged = await this.turns.fail(
      turn,
      this.identity.instanceId,
      { code, message },
      {
        envelope: terminal,
        usage,
        cost: 0,
        modelProfileId: context?.profile.profile.id ?? null,
      },
    );
    if (!staged) return 'skipped';
    await this.outbox.flush([staged]);
    await this.afterFinish(turn, context, usage, []);
    this.eventBus.publish(
      new TurnFinishedEvent(
        turn.id,
        context?.profile.profile.name ?? 'unknown',
        'failed',
        code,
        (performance.now() - started) / 1000,
        null,
        usage.completionTokens,
      ),
    );
    return 'failed';
  }

  private async afterFinish(
    turn: TurnEntity,
    context: TurnContext | undefined,
    usage: TokenUsage,
    reply: { role: 'assistant'; content: string }[],
  ) {
    await this.budgets.settle(turn.tenantId, turn.sessionId, turn.id, usage.totalTokens);
    if (context) await this.history.appendTurn(turn.sessionId, turn.id, [context.userMessage, ...reply]);
    else await this.history.invalidate(turn.sessionId);
  }
}
