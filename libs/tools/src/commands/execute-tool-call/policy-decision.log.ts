import { type Envelope, type ToolCallRequested } from '#soma/contracts';
import { type PolicyDecisionEntity } from '#soma/persistence';
import { randomUUID } from 'node:crypto';
import { type FinishedCall } from './tool-result.publisher.js';

/**
 * The decision-log row of a finished call: the engines' decision, or the grant that admitted it.
 * Null when nothing was decided (bad arguments, a refused grant, an interrupted run).
 */
export function policyDecisionRow(
  request: Envelope<string, ToolCallRequested>,
  call: FinishedCall,
): PolicyDecisionEntity | null {
  const base = {
    id: randomUUID(),
    tenantId: request.tenantId,
    sessionId: request.sessionId,
    toolCallId: request.payload.toolCallId,
    tool: request.payload.tool,
    attempt: request.payload.attempt,
    decidedAt: new Date(),
  };
  if (call.grantId !== null) {
    // The engines were asked (and did not deny); the grant turned their require_approval into a run.
    return {
      ...base,
      outcome: 'override',
      mode: call.decision?.mode ?? 'enforcing',
      ruleIds: ['override.grant', ...(call.decision?.ruleIds ?? [])],
      reasons: [
        "admitted by a single-use grant (an administrator's override or the session user's approval)",
        ...(call.decision?.reasons ?? []),
      ],
      cached: call.decision?.cached ?? false,
      transient: false,
      grantId: call.grantId,
    };
  }
  if (!call.decision) return null;
  const { outcome, mode, ruleIds, reasons, cached, transient } = call.decision;
  return { ...base, outcome, mode, ruleIds, reasons, cached, transient, grantId: null };
}
