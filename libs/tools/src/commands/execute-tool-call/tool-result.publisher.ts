import { Injectable } from '@nestjs/common';
import {
  createEnvelope,
  Topics,
  type Envelope,
  type EnvelopeContext,
  type PolicyDecision,
  type ToolCallBlocked,
  type ToolCallFinished,
  type ToolCallRequested,
} from '#soma/contracts';
import {
  OutboxRelay,
  PolicyDecisionEntity,
  ToolApprovalEntity,
  type StagedMessage,
  type ToolCallEntity,
} from '#soma/persistence';
import { KafkaClient, persist, SomaConfig } from '#soma/platform';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { policyDecisionRow } from './policy-decision.log.js';
import { type FinishGuard, ToolCallRepository } from './tool-call.repository.js';

export interface FinishedCall {
  status: ToolCallFinished['status'];
  output: unknown;
  error: ToolCallFinished['error'];
  decision: PolicyDecision | null;
  durationMs: number;
  grantId: string | null;
  /** Where the result came from: the sandbox, a recorded call (replay sessions), or nowhere (not run). */
  source?: 'sandbox' | 'recorded';
  recordedFrom?: string | null;
}

const contextOf = (request: Envelope<string, ToolCallRequested>): EnvelopeContext => ({
  tenantId: request.tenantId,
  sessionId: request.sessionId,
  correlationId: request.correlationId,
  causationId: request.eventId,
});

/** Stores a call's result and stages its messages in one transaction (outbox), then publishes them. */
@Injectable()
export class ToolResultPublisher {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxRelay,
    private readonly kafka: KafkaClient,
    private readonly calls: ToolCallRepository,
    private readonly config: SomaConfig,
  ) {}

  /**
   * Returns false, publishing nothing, when the guard refused: the call was no longer running, or no longer this
   * owner's, or (for an interruption) its owner's lease was still live.
   */
  async finish(
    request: Envelope<string, ToolCallRequested>,
    call: FinishedCall,
    guard: FinishGuard,
  ): Promise<boolean> {
    const context = contextOf(request);
    const { toolCallId, turnId, tool } = request.payload;
    const payload: ToolCallFinished = {
      toolCallId,
      turnId,
      tool,
      status: call.status,
      output: call.output,
      error: call.error,
      decision: call.decision,
      durationMs: Math.round(call.durationMs),
    };
    const result = createEnvelope('tool.call.finished', context, payload);
    // A result is kept through a database outage (the call is never run again, so it must not be lost).
    const ids = await persist(() =>
      this.dataSource.transaction(async (manager) => {
        const finished = await this.calls.finish(
          manager,
          toolCallId,
          call.status,
          {
            decision: call.decision,
            resultEnvelope: result,
            grantId: call.grantId,
            source: call.source ?? null,
            recordedFrom: call.recordedFrom ?? null,
            // Only what ran in the sandbox costs tool time; recorded answers and refusals cost nothing.
            runMs: call.source === 'sandbox' ? Math.round(call.durationMs) : null,
          },
          guard,
        );
        if (!finished) return undefined;
        const decided = policyDecisionRow(request, call);
        if (decided) await manager.insert(PolicyDecisionEntity, decided);
        const staged = [await this.outbox.stage(manager, Topics.toolResults, result)];
        if (call.status === 'blocked' && call.decision) {
          const blocked: ToolCallBlocked = { request: request.payload, decision: call.decision };
          staged.push(
            await this.outbox.stage(
              manager,
              Topics.toolBlocked,
              createEnvelope('tool.call.blocked', context, blocked),
            ),
          );
        }
        return staged;
      }),
    );
    return this.flushed(ids);
  }

  /**
   * Policy asks the session's user: the call is stored as blocked, a pending approval is recorded with its
   * deadline, and tool.call.approval_requested is staged for the worker, in one transaction. Runs when the
   * approval's grant comes (the call's claim takes a blocked call with a grant once). False as for finish.
   */
  async awaitApproval(
    request: Envelope<string, ToolCallRequested>,
    decision: PolicyDecision,
    guard: FinishGuard,
  ): Promise<boolean> {
    const { toolCallId, turnId, tool, arguments: args } = request.payload;
    if (turnId === null) throw new Error('an approval in the chat needs the turn that waits for it');
    const expiresAt = new Date(Date.now() + this.config.toolApprovalTimeoutMs);
    const asked = createEnvelope('tool.call.approval_requested', contextOf(request), {
      toolCallId,
      turnId,
      tool,
      arguments: args,
      reasons: decision.reasons,
      ruleIds: decision.ruleIds,
      expiresAt: expiresAt.toISOString(),
    });
    const ids = await persist(() =>
      this.dataSource.transaction(async (manager) => {
        const fields = { decision, resultEnvelope: asked, grantId: null, source: null, recordedFrom: null };
        if (!(await this.calls.finish(manager, toolCallId, 'blocked', fields, guard))) return undefined;
        const call: FinishedCall = {
          status: 'blocked',
          output: null,
          error: null,
          decision,
          durationMs: 0,
          grantId: null,
        };
        const decided = policyDecisionRow(request, call);
        if (decided) await manager.insert(PolicyDecisionEntity, decided);
        await manager.insert(ToolApprovalEntity, {
          id: randomUUID(),
          toolCallId,
          tenantId: request.tenantId,
          sessionId: request.sessionId,
          turnId,
          requestedByKeyId: request.payload.principal.keyId,
          tool,
          arguments: args,
          reasons: decision.reasons,
          ruleIds: decision.ruleIds,
          request: request.payload,
          correlationId: request.correlationId,
          status: 'pending',
          expiresAt,
        });
        return [await this.outbox.stage(manager, Topics.toolResults, asked)];
      }),
    );
    return this.flushed(ids);
  }

  private async flushed(ids: StagedMessage[] | undefined): Promise<boolean> {
    if (!ids) return false;
    // Kafka down: the outbox sweep publishes the staged rows once it is back.
    await this.outbox.flush(ids).catch(() => undefined);
    return true;
  }

  /** A redelivered request gets the stored result, byte for byte (same eventId: consumers deduplicate). */
  async replay(existing: ToolCallEntity): Promise<void> {
    if (existing.resultEnvelope)
      await this.kafka.publish(Topics.toolResults, [existing.resultEnvelope as Envelope]);
  }
}
