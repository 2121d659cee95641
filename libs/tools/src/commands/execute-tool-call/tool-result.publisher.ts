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
import { OutboxRelay, PolicyDecisionEntity, type ToolCallEntity } from '#soma/persistence';
import { KafkaClient, persist } from '#soma/platform';
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

/** Stores a call's result and stages its messages in one transaction (outbox), then publishes them. */
@Injectable()
export class ToolResultPublisher {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxRelay,
    private readonly kafka: KafkaClient,
    private readonly calls: ToolCallRepository,
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
    const context: EnvelopeContext = {
      tenantId: request.tenantId,
      sessionId: request.sessionId,
      correlationId: request.correlationId,
      causationId: request.eventId,
    };
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
