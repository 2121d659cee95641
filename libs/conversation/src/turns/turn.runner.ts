import { Injectable, Logger } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import {
  createEnvelope,
  Topics,
  type EnvelopeContext,
  type TokenUsage,
  type ToolCallBlocked,
  type ToolCallFinished,
  type ToolCallRequested,
} from '#soma/contracts';
import { LlmError, LlmProviderRegistry } from '#soma/llm';
import { OutboxRelay, type TurnEntity } from '#soma/persistence';
import { AppIdentity, SomaConfig } from '#soma/platform';
import { PolicyGate } from '#soma/policy';
import { ToolRegistry } from '#soma/tools';
import { randomUUID } from 'node:crypto';
import { planReservation } from '../budget/token-budget.js';
import { TokenBudgetRepository } from '../budget/token-budget.repository.js';
import { generateWithLease } from '../commands/run-turn/turn-generation.js';
import { holdingLease } from '../commands/run-turn/turn-lease.js';
import { TurnFinishedEvent } from '../events/turn-finished.event.js';
import { HistoryRepository } from '../history/history.repository.js';
import { type TurnContext } from '../history/turn-context.builder.js';
import { OutboundEventsPublisher, type TokenStream } from '../streaming/outbound-events.publisher.js';
import { ToolDecider, type ToolCallChoice } from '../tools/tool-decider.js';
import { TurnRepository } from './turn.repository.js';

export type TurnRunOutcome = 'completed' | 'failed' | 'skipped' | 'awaiting_tool';

export interface TurnRun {
  turn: TurnEntity;
  ctx: EnvelopeContext;
  context: TurnContext;
  stream: TokenStream;
  started: number;
  principal: ToolCallRequested['principal'];
  /** Whether the model may ask for a tool in this step (not while continuing after a tool result). */
  toolsAllowed: boolean;
}

const usageOf = (prompt: number, completion: number): TokenUsage => ({
  promptTokens: prompt,
  completionTokens: completion,
  totalTokens: prompt + completion,
});
const TOOL_WAIT_MS = 120_000;

/** One generation step of a turn: budget, maybe a tool call, the streamed reply, and exactly one ending. */
@Injectable()
export class TurnRunner {
  private readonly logger = new Logger(TurnRunner.name);

  constructor(
    private readonly turns: TurnRepository,
    private readonly budgets: TokenBudgetRepository,
    private readonly history: HistoryRepository,
    private readonly providers: LlmProviderRegistry,
    private readonly events: OutboundEventsPublisher,
    private readonly outbox: OutboxRelay,
    private readonly eventBus: EventBus,
    private readonly decider: ToolDecider,
    private readonly registry: ToolRegistry,
    private readonly policy: PolicyGate,
    private readonly identity: AppIdentity,
    private readonly config: SomaConfig,
  ) {}

  async run(run: TurnRun): Promise<TurnRunOutcome> {
    const { turn, context, stream } = run;
    const { profile, fitted } = context;
    try {
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
          run,
          'BUDGET_EXCEEDED',
          plan.ok ? 'budget taken by other turns' : plan.reason,
          usageOf(0, 0),
        );
      }
      const renewLease = () =>
        this.turns.renewLease(turn.id, this.identity.instanceId, this.config.turnLeaseMs);
      if (run.toolsAllowed && profile.profile.tools.length > 0) {
        // Deciding on a tool can take seconds on a busy CPU: the lease is held meanwhile, as while generating.
        const decision = await holdingLease(this.config.turnLeaseMs, renewLease, () =>
          this.decider.decide(
            fitted.messages,
            profile.profile.tools,
            profile.profile.toolChoice === 'required',
          ),
        );
        if (decision.leaseLost) {
          await stream.close();
          return 'skipped';
        }
        if (decision.value) return await this.requestTool(run, decision.value);
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
        renewLease,
      });
      const used = usageOf(
        generation.result.promptTokens || fitted.tokens,
        generation.result.completionTokens,
      );
      if (generation.leaseLost) return 'skipped';
      if (plan.limitedByBudget && generation.result.stopReason === 'length') {
        return await this.fail(run, 'BUDGET_EXCEEDED', 'the reply was cut at the token budget', used);
      }
      const messageId = randomUUID();
      const cost =
        (used.promptTokens * profile.profile.inputCostPer1k +
          used.completionTokens * profile.profile.outputCostPer1k) /
        1000;
      const terminal = await this.events.prepare(run.ctx, 'turn.completed', {
        turnId: turn.id,
        messageId,
        usage: used,
      });
      const staged = await this.turns.complete(
        turn,
        this.identity.instanceId,
        { messageId, text: generation.text, startedAt: generation.startedAt, endedAt: generation.endedAt },
        { envelope: terminal, usage: used, cost, modelProfileId: profile.profile.id },
      );
      if (!staged) return 'skipped';
      await this.outbox.flush([staged]);
      await this.afterFinish(run, used, [{ role: 'assistant', content: generation.text }]);
      this.eventBus.publish(
        new TurnFinishedEvent(
          turn.id,
          profile.profile.name,
          'completed',
          null,
          (performance.now() - run.started) / 1000,
          generation.firstTokenSeconds,
          used.completionTokens,
        ),
      );
      return 'completed';
    } catch (error) {
      this.logger.error({ msg: 'turn failed', turnId: turn.id, error: (error as Error).message });
      await stream.close().catch(() => undefined);
      const code = error instanceof LlmError ? error.code : 'GENERATION_FAILED';
      return this.fail(run, code, (error as Error).message, usageOf(0, 0));
    }
  }

  /** Ends the turn with turn.failed; `context` is absent when the turn failed before its context was built. */
  async fail(
    run: Omit<TurnRun, 'context'> & { context?: TurnContext },
    code: string,
    message: string,
    usage: TokenUsage,
  ): Promise<TurnRunOutcome> {
    const { turn, context } = run;
    const terminal = await this.events.prepare(run.ctx, 'turn.failed', {
      turnId: turn.id,
      code,
      message,
      usage,
    });
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
    await this.afterFinish(run, usage, []);
    this.eventBus.publish(
      new TurnFinishedEvent(
        turn.id,
        context?.profile.profile.name ?? 'unknown',
        'failed',
        code,
        (performance.now() - run.started) / 1000,
        null,
        usage.completionTokens,
      ),
    );
    return 'failed';
  }

  /**
   * The model asked for a tool: policy is asked first (a plain denial becomes the tool's result right away);
   * otherwise the call is recorded and sent to the tool executor, and the turn waits for tool.results.
   */
  private async requestTool(run: TurnRun, call: ToolCallChoice): Promise<TurnRunOutcome> {
    const { turn, ctx, context, stream } = run;
    const toolCallId = randomUUID();
    const classification = context.classification as unknown as Record<string, unknown>;
    const checked = this.registry.check(call.tool, call.arguments);
    const decision = checked.ok
      ? await this.policy.decide({
          tenantId: turn.tenantId,
          principal: run.principal,
          tool: call.tool,
          risk: checked.tool.risk,
          arguments: call.arguments,
          requestedBy: 'model',
          context: classification,
          resource: checked.tool.resource?.(call.arguments) ?? {},
        })
      : undefined;
    const request = createEnvelope('tool.call.requested', ctx, {
      toolCallId,
      turnId: turn.id,
      tool: call.tool,
      arguments: call.arguments,
      requestedBy: 'model',
      principal: run.principal,
      context: classification,
      attempt: 1,
    } satisfies ToolCallRequested);
    stream.enqueue(() =>
      this.events.publish(ctx, 'tool.requested', {
        turnId: turn.id,
        toolCallId,
        tool: call.tool,
        arguments: call.arguments,
      }),
    );
    await stream.close();
    // The decision's own tokens are not billed; the continuation reserves again with the result in context.
    await this.budgets.settle(turn.tenantId, turn.sessionId, turn.id, 0);
    const content = JSON.stringify({
      tool_call: { id: toolCallId, name: call.tool, arguments: call.arguments },
    });
    // A plain denial needs no executor: the blocked call goes to requeue (an admin may override it) and its
    // reasons come back as the tool's result, through the same tool.results path as any other result.
    const outgoing =
      decision?.outcome === 'deny' && !decision.transient
        ? [
            {
              topic: Topics.toolBlocked,
              envelope: createEnvelope('tool.call.blocked', ctx, {
                request: request.payload as ToolCallRequested,
                decision,
              } satisfies ToolCallBlocked),
            },
            {
              topic: Topics.toolResults,
              envelope: createEnvelope('tool.call.finished', ctx, {
                toolCallId,
                turnId: turn.id,
                tool: call.tool,
                status: 'blocked',
                output: null,
                error: null,
                decision,
                durationMs: 0,
              } satisfies ToolCallFinished),
            },
          ]
        : [{ topic: Topics.toolRequests, envelope: request }];
    const staged = await this.turns.awaitTool(
      turn,
      this.identity.instanceId,
      { toolCallId, content, waitMs: TOOL_WAIT_MS },
      outgoing,
    );
    if (!staged) return 'skipped';
    await this.outbox.flush(staged);
    return 'awaiting_tool';
  }

  private async afterFinish(
    run: { turn: TurnEntity; context?: TurnContext },
    usage: TokenUsage,
    reply: { role: 'assistant'; content: string }[],
  ) {
    const { turn, context } = run;
    await this.budgets.settle(turn.tenantId, turn.sessionId, turn.id, usage.totalTokens);
    // Turns with tool calls are simplest re-read from PostgreSQL than appended piecemeal.
    if (context && context.current.every((m) => m.role === 'user')) {
      await this.history.appendTurn(turn.sessionId, turn.id, [...context.current, ...reply]);
    } else await this.history.invalidate(turn.sessionId);
  }
}
