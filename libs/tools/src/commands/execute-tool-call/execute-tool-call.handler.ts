import { Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type Envelope, type ToolCallRequested } from '#soma/contracts';
import { activeSpan, AppIdentity, inSpan, SomaConfig } from '#soma/platform';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { Counter, Histogram } from 'prom-client';
import { ExecuteToolCallCommand, type ExecuteToolCallOutcome } from './execute-tool-call.command.js';
import { interruptedCall, refusedCall, withdrawnCall } from './finished-call.js';
import { RunningCalls } from './running-calls.js';
import { RecordedToolResults } from './recorded-results.js';
import { planRedelivery } from './redelivery.js';
import { runTool } from './run-tool.js';
import { ToolSlots } from './tool-slots.js';
import { budgetMessage, ToolTimeBudget } from '../../budget/tool-time-budget.js';
import { type ToolOutcome } from '../../registry/tool-definition.contract.js';
import { type Admission, admissionAttributes, ToolCallGatekeeper } from './tool-call.gatekeeper.js';
import { holdingLease, toolCallClaim, type ToolCallClaim } from './tool-call.lease.js';
import { ToolCallRepository } from './tool-call.repository.js';
import { ToolResultPublisher, type FinishedCall } from './tool-result.publisher.js';

const WAIT_POLL_MS = 250;

/**
 * Exactly once per toolCallId: claim (with a lease) → validate → policy → run in the sandbox (or, in a replay
 * session, answer from the recording) → store and publish the result with its decision-log row. A call for the
 * session user's approval is stored as a pending approval instead, and runs when the approval's grant comes.
 */
@CommandHandler(ExecuteToolCallCommand)
export class ExecuteToolCallHandler implements ICommandHandler<
  ExecuteToolCallCommand,
  ExecuteToolCallOutcome
> {
  private readonly logger = new Logger(ExecuteToolCallHandler.name);
  private readonly claim: ToolCallClaim;

  constructor(
    private readonly calls: ToolCallRepository,
    private readonly gatekeeper: ToolCallGatekeeper,
    private readonly results: ToolResultPublisher,
    private readonly recordings: RecordedToolResults,
    private readonly running: RunningCalls,
    private readonly slots: ToolSlots,
    private readonly budget: ToolTimeBudget,
    identity: AppIdentity,
    config: SomaConfig,
    @InjectMetric('tool_executions_total') private readonly executions: Counter<'tool' | 'status'>,
    @InjectMetric('tool_execution_duration_seconds') private readonly duration: Histogram<'tool'>,
  ) {
    this.claim = toolCallClaim(identity, config);
  }

  /** The call's span (GenAI `execute_tool <tool>`): its policy decision and how it ended are attributes. */
  execute({ envelope }: ExecuteToolCallCommand): Promise<ExecuteToolCallOutcome> {
    const { toolCallId, tool } = envelope.payload;
    return inSpan(
      `execute_tool ${tool}`,
      {
        attributes: {
          'gen_ai.operation.name': 'execute_tool',
          'gen_ai.tool.name': tool,
          'gen_ai.tool.call.id': toolCallId,
          'gen_ai.tool.type': 'function',
        },
      },
      async (span) => {
        const outcome = await this.executeOnce(envelope);
        span.setAttribute('soma.tool.outcome', outcome);
        return outcome;
      },
    );
  }

  private async executeOnce(envelope: Envelope<string, ToolCallRequested>): Promise<ExecuteToolCallOutcome> {
    const { toolCallId, tool } = envelope.payload;
    const plan = planRedelivery(await this.calls.find(toolCallId), envelope.payload);
    if (plan !== 'claim' || !(await this.calls.claim(envelope, this.claim)))
      return this.settleKnown(envelope);
    // Held until the result is stored: meanwhile a redelivery waits for this run instead of ending it.
    return holdingLease(this.claim.leaseMs, this.renewer(toolCallId), () =>
      // Registered before the durable check: a withdrawal is seen either by the check or by the run's signal.
      this.running.run(envelope.payload, async (withdrawn) => {
        const guard = { owner: this.claim.owner };
        if (await this.running.withdrawnBefore(envelope.payload.turnId)) {
          await this.results.finish(envelope, withdrawnCall(0), guard);
          this.executions.inc({ tool, status: 'cancelled' });
          return 'withdrawn';
        }
        const admission = await this.gatekeeper.admit(envelope);
        activeSpan().setAttributes(admissionAttributes(admission));
        if (admission.kind === 'awaiting_approval') {
          if (!(await this.results.awaitApproval(envelope, admission.decision, guard)))
            this.logger.warn({ msg: 'approval request dropped: the call was ended elsewhere', toolCallId });
          this.executions.inc({ tool, status: 'awaiting_approval' });
          return admission.kind;
        }
        const call =
          admission.kind === 'admitted'
            ? await this.run(envelope, admission, withdrawn)
            : refusedCall(admission);
        if (!(await this.results.finish(envelope, call, guard))) {
          this.logger.warn({ msg: 'tool call result dropped: the call was ended elsewhere', toolCallId });
        }
        const status = call.error?.code === 'TOOL_CANCELLED' ? 'cancelled' : call.status;
        this.executions.inc({ tool, status: admission.kind === 'rejected' ? 'rejected' : status });
        return admission.kind === 'admitted' ? 'ran' : admission.kind;
      }),
    );
  }

  private async run(
    envelope: Envelope<string, ToolCallRequested>,
    admission: Extract<Admission, { kind: 'admitted' }>,
    withdrawn: AbortSignal,
  ): Promise<FinishedCall> {
    const { tenantId, sessionId, payload: request } = envelope;
    // A replay session with recorded results is answered from its source session's log, never run.
    const recorded = await this.recordings.answer(envelope);
    let started = performance.now();
    const outcome =
      recorded?.outcome ??
      (await this.runInSlot(tenantId, withdrawn, async () => {
        started = performance.now(); // the wait for a slot is not the tool's time
        return runTool(
          admission.tool,
          request.arguments,
          { tenantId, sessionId, toolCallId: request.toolCallId, resource: admission.resource },
          withdrawn,
        );
      }));
    const durationMs = performance.now() - started;
    this.duration.observe({ tool: request.tool }, durationMs / 1000);
    return {
      status: outcome.status,
      output: outcome.output,
      error: outcome.status === 'error' ? outcome.error : null,
      decision: admission.decision,
      durationMs,
      grantId: admission.grantId,
      source: recorded ? 'recorded' : 'sandbox',
      recordedFrom: recorded?.recordedFrom ?? null,
    };
  }

  /**
   * Waits for one of the tenant's fair slots and runs, unless the tenant's tool seconds are used up
   * (BUDGET_EXCEEDED) or the call is withdrawn while it waits (TOOL_CANCELLED).
   */
  private async runInSlot(
    tenantId: string,
    withdrawn: AbortSignal,
    work: () => Promise<ToolOutcome>,
  ): Promise<ToolOutcome> {
    const exhausted = await this.budget.exhausted(tenantId);
    if (exhausted) {
      const error = { code: 'BUDGET_EXCEEDED' as const, message: budgetMessage(exhausted) };
      return { status: 'error', output: null, error };
    }
    try {
      return await this.slots.run(tenantId, work, withdrawn);
    } catch (error) {
      if (!withdrawn.aborted) throw error;
      const message = 'the call was withdrawn while it waited for a slot: its turn was cancelled';
      return { status: 'error', output: null, error: { code: 'TOOL_CANCELLED', message } };
    }
  }

  /** The call is known: replay its result, or wait while its owner's lease is live, or end a dead owner's run. */
  private async settleKnown(envelope: Envelope<string, ToolCallRequested>): Promise<ExecuteToolCallOutcome> {
    const { toolCallId, tool } = envelope.payload;
    for (;;) {
      const existing = await this.calls.find(toolCallId);
      if (existing && existing.status !== 'running') {
        await this.results.replay(existing);
        this.executions.inc({ tool, status: 'replayed' });
        return 'replayed';
      }
      // The owner stopped renewing: it died mid-run, and the tool may have had effects, so the call ends now and
      // never runs again. The guard lets one executor end it; a loser finds the result on its next look.
      if (
        existing &&
        (await this.calls.leaseLapsed(toolCallId)) &&
        (await this.results.finish(envelope, interruptedCall(), 'lease-lapsed'))
      ) {
        this.logger.warn({ msg: 'tool call interrupted', toolCallId, owner: existing.claimedBy });
        this.executions.inc({ tool, status: 'error' });
        return 'interrupted';
      }
      await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
    }
  }

  /** Renews this executor's lease on the call; a failure is logged, and the next renewal tries again. */
  private renewer(toolCallId: string): () => Promise<void> {
    return () =>
      this.calls.renewLease(toolCallId, this.claim).then(
        (held) => {
          if (!held)
            this.logger.warn({ msg: 'tool call lease lost: the call was ended elsewhere', toolCallId });
        },
        (error: unknown) => {
          this.logger.warn({
            msg: 'tool call lease not renewed',
            toolCallId,
            error: (error as Error).message,
          });
        },
      );
  }
}
