import { Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type Envelope, type ToolCallRequested } from '#soma/contracts';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { Counter, Histogram } from 'prom-client';
import { ExecuteToolCallCommand, type ExecuteToolCallOutcome } from './execute-tool-call.command.js';
import { RecordedToolResults } from './recorded-results.js';
import { planRedelivery } from './redelivery.js';
import { runTool } from './run-tool.js';
import { ToolCallGatekeeper } from './tool-call.gatekeeper.js';
import { ToolCallRepository } from './tool-call.repository.js';
import { ToolResultPublisher, type FinishedCall } from './tool-result.publisher.js';

const WAIT_POLL_MS = 250;

/**
 * Exactly once per toolCallId: claim → validate → policy → run in the sandbox (or, in a replay session, answer
 * from the recording) → store and publish the result with its decision-log row.
 */
@CommandHandler(ExecuteToolCallCommand)
export class ExecuteToolCallHandler implements ICommandHandler<
  ExecuteToolCallCommand,
  ExecuteToolCallOutcome
> {
  private readonly logger = new Logger(ExecuteToolCallHandler.name);

  constructor(
    private readonly calls: ToolCallRepository,
    private readonly gatekeeper: ToolCallGatekeeper,
    private readonly results: ToolResultPublisher,
    private readonly recordings: RecordedToolResults,
    @InjectMetric('tool_executions_total') private readonly executions: Counter<'tool' | 'status'>,
    @InjectMetric('tool_execution_duration_seconds') private readonly duration: Histogram<'tool'>,
  ) {}

  async execute({ envelope }: ExecuteToolCallCommand): Promise<ExecuteToolCallOutcome> {
    const request = envelope.payload;
    const plan = planRedelivery(await this.calls.find(request.toolCallId), request);
    if (plan !== 'claim' || !(await this.calls.claim(envelope))) return this.settleKnown(envelope);
    const started = performance.now();
    const admission = await this.gatekeeper.admit(envelope);
    let call: FinishedCall;
    if (admission.kind === 'rejected') {
      const error = { code: admission.code, message: admission.message };
      call = {
        // A refused grant leaves the call blocked (a real override may still come), never failed.
        status: admission.code === 'GRANT_INVALID' ? 'blocked' : 'error',
        output: { errors: admission.errors },
        error,
        decision: null,
        durationMs: 0,
        grantId: null,
      };
    } else if (admission.kind === 'blocked') {
      call = {
        status: 'blocked',
        output: { reasons: admission.decision.reasons },
        error: null,
        decision: admission.decision,
        durationMs: 0,
        grantId: null,
      };
    } else {
      const context = {
        tenantId: envelope.tenantId,
        sessionId: envelope.sessionId,
        toolCallId: request.toolCallId,
      };
      // A replay session with recorded results is answered from its source session's log, never run.
      const recorded = await this.recordings.answer(envelope);
      const outcome = recorded?.outcome ?? (await runTool(admission.tool, request.arguments, context));
      const durationMs = performance.now() - started;
      this.duration.observe({ tool: request.tool }, durationMs / 1000);
      const error = outcome.status === 'error' ? outcome.error : null;
      call = {
        status: outcome.status,
        output: outcome.output,
        error,
        decision: admission.decision,
        durationMs,
        grantId: admission.grantId,
        source: recorded ? 'recorded' : 'sandbox',
        recordedFrom: recorded?.recordedFrom ?? null,
      };
    }
    await this.results.finish(envelope, call);
    this.executions.inc({
      tool: request.tool,
      status: admission.kind === 'rejected' ? 'rejected' : call.status,
    });
    return admission.kind === 'admitted' ? 'ran' : admission.kind;
  }

  /** The call is known: replay its result, or wait for the run in progress and replay, or end a dead run. */
  private async settleKnown(envelope: Envelope<string, ToolCallRequested>): Promise<ExecuteToolCallOutcome> {
    const { toolCallId, tool } = envelope.payload;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const existing = await this.calls.find(toolCallId);
      if (existing && existing.status !== 'running') {
        await this.results.replay(existing);
        this.executions.inc({ tool, status: 'replayed' });
        return 'replayed';
      }
      if (Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
    }
    // The run that claimed the call died mid-way: the tool may have had effects, so it is never run again.
    this.logger.warn({ msg: 'tool call interrupted', toolCallId });
    const error = {
      code: 'TOOL_INTERRUPTED',
      message: 'the run of this call was interrupted; it is not run again',
    };
    await this.results.finish(envelope, {
      status: 'error',
      output: null,
      error,
      decision: null,
      durationMs: 0,
      grantId: null,
    });
    this.executions.inc({ tool, status: 'error' });
    return 'interrupted';
  }
}
