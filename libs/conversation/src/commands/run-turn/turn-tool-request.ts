import { Injectable } from '@nestjs/common';
import { createEnvelope, Topics, type Envelope, type ToolCallRequested } from '#soma/contracts';
import { OutboxRelay } from '#soma/persistence';
import { persist } from '#soma/platform';
import { PolicyGate, policyContextOf } from '#soma/policy';
import { ToolRegistry } from '#soma/tools';
import { randomUUID } from 'node:crypto';
import { TokenBudgetRepository } from '../../budget/token-budget.repository.js';
import { SessionEventJournal } from '../../streaming/session-event.journal.js';
import { type ToolCallChoice } from '../../tools/tool-decider.js';
import { TurnRepository } from '../../turns/turn.repository.js';
import { type RunTurnOutcome } from './run-turn.command.js';
import { type StepInput } from './turn-step.js';

const TOOL_WAIT_MS = 120_000;

/**
 * The model asked for a tool: policy is asked first (a plain denial becomes the tool's result right away);
 * otherwise the call is recorded and sent to the tool executor, and the turn waits for tool.results.
 */
@Injectable()
export class TurnToolRequest {
  constructor(
    private readonly turns: TurnRepository,
    private readonly budgets: TokenBudgetRepository,
    private readonly journal: SessionEventJournal,
    private readonly outbox: OutboxRelay,
    private readonly registry: ToolRegistry,
    private readonly policy: PolicyGate,
  ) {}

  async request(input: StepInput, call: ToolCallChoice): Promise<RunTurnOutcome> {
    const { held, ctx, context } = input;
    const { turn } = held;
    const toolCallId = randomUUID();
    // Policy sees the turn's classification in the classifier's label sets (unavailable when it timed out).
    const classification = policyContextOf(context.classification);
    const checked = (await this.registry.forTenant(turn.tenantId)).check(call.tool, call.arguments);
    const decision = checked.ok
      ? await this.policy.decide({
          tenantId: turn.tenantId,
          principal: input.principal,
          tool: call.tool,
          risk: checked.tool.risk,
          arguments: call.arguments,
          requestedBy: 'model',
          context: classification,
          resource: (await checked.tool.resource?.(call.arguments)) ?? {},
        })
      : undefined;
    const request: ToolCallRequested = {
      toolCallId,
      turnId: turn.id,
      tool: call.tool,
      arguments: call.arguments,
      requestedBy: 'model',
      principal: input.principal,
      context: classification,
      attempt: 1,
    };
    // The decision's own tokens are not billed; the continuation reserves again with the result in context.
    await persist(() => this.budgets.settle(turn.tenantId, turn.sessionId, turn.id, 0));
    // A plain denial needs no executor: the blocked call goes to requeue (an admin may override it) and its
    // reasons come back as the tool's result, through the same tool.results path as any other result.
    const outgoing: { topic: string; envelope: Envelope }[] =
      decision?.outcome === 'deny' && !decision.transient
        ? [
            {
              topic: Topics.toolBlocked,
              envelope: createEnvelope('tool.call.blocked', ctx, { request, decision }),
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
              }),
            },
          ]
        : [{ topic: Topics.toolRequests, envelope: createEnvelope('tool.call.requested', ctx, request) }];
    const content = JSON.stringify({
      tool_call: { id: toolCallId, name: call.tool, arguments: call.arguments },
    });
    const requested = {
      type: 'tool.requested' as const,
      payload: { turnId: turn.id, toolCallId, tool: call.tool, arguments: call.arguments },
    };
    const staged = await persist(() =>
      this.turns.awaitTool(
        held.fence,
        ctx,
        { toolCallId, content, waitMs: TOOL_WAIT_MS, requested },
        outgoing,
      ),
    );
    if (!staged) return 'skipped';
    await this.journal.publish(turn.sessionId);
    await this.outbox.flush(staged).catch(() => undefined); // the outbox sweep publishes what this could not
    return 'awaiting_tool';
  }
}
