import { type Envelope, type ToolCallRequested } from '#soma/contracts';
import { type PolicyDecisionEntity } from '#soma/persistence';
import { randomUUID } from 'node:crypto';
import { type FinishedCall } from './tool-result.publisher.js';

/**
 * The decision-log row of a finished call: the engines' decision, or the admin override that admitted it.
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
  if (call.decision) {
    const { outcome, mode, ruleIds, reasons, cached, transient } = call.decision;
    return { ...base, outcome, mode, ruleIds, reasons, cached, transient, grantId: null };
  }
  if (call.grantId === null) return null;
  return {
    ...base,
    outcome: 'override',
    mode: 'enforcing',
    ruleIds: ['override.grant'],
    reasons: ['admitted by an administrator override (single-use grant)'],
    cached: false,
    transient: false,
    grantId: call.grantId,
  };
}
