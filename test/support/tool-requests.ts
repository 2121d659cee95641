import { createEnvelope, type Envelope, type ToolCallRequested } from '#soma/contracts';
import { randomUUID } from 'node:crypto';

/** A tool.call.requested envelope as the worker or requeue would publish it (admin principal unless overridden). */
export function toolRequest(
  tenantId: string,
  sessionId: string,
  tool: string,
  args: Record<string, unknown>,
  overrides: Partial<ToolCallRequested> = {},
): Envelope<string, ToolCallRequested> {
  const payload: ToolCallRequested = {
    toolCallId: randomUUID(),
    turnId: null,
    tool,
    arguments: args,
    requestedBy: 'model',
    principal: { role: 'admin', keyId: null },
    // What the worker sends for a classified, harmless message (an empty context is an unavailable classification).
    context: { classification: 'classified', intent: 'task_request', sentiment: 'neutral', tags: [] },
    attempt: 1,
    ...overrides,
  };
  return createEnvelope('tool.call.requested', { tenantId, sessionId, correlationId: randomUUID() }, payload);
}
