import {
  assertUnreachable,
  checkPayload,
  TokenSchema,
  ToolApprovalRequestedSchema,
  ToolBlockedSchema,
  ToolCompletedSchema,
  ToolRequestedSchema,
  TurnCancelledSchema,
  TurnCompletedSchema,
  TurnFailedSchema,
  TurnResumedSchema,
  TurnStartedSchema,
  type OutboundEventPayloads,
  type OutboundEventType,
} from '#soma/contracts';
import { type StreamEvent } from '#soma/conversation';

/**
 * The chunks of the Vercel AI SDK's UI message stream protocol (v1) that a turn produces: a subset of the SDK's
 * `UIMessageChunk`, declared here because `ai` is a dev dependency (the spec checks that each is assignable).
 */
export type UiMessageChunk =
  | { type: 'start'; messageId: string }
  | { type: 'start-step' }
  | { type: 'text-start'; id: string }
  | { type: 'text-delta'; id: string; delta: string }
  | { type: 'text-end'; id: string }
  | { type: 'tool-input-available'; toolCallId: string; toolName: string; input: unknown }
  | { type: 'tool-output-available'; toolCallId: string; output: unknown }
  | { type: 'tool-output-error'; toolCallId: string; errorText: string }
  | { type: 'tool-approval-request'; approvalId: string; toolCallId: string }
  | { type: 'finish-step' }
  | { type: 'finish'; finishReason: 'stop' | 'error' }
  | { type: 'error'; errorText: string }
  | { type: 'abort'; reason: string };

/** One outbound event of a session, discriminated by its type. */
export type OutboundEvent = {
  [T in OutboundEventType]: { type: T; payload: OutboundEventPayloads[T] };
}[OutboundEventType];

/**
 * Translates one turn's events, in seq order, into UI message chunks. Stateful: it opens a text part on the first
 * token after a start or a tool event and closes it before the next tool event and at the end. The message id is
 * the turn id, so a resumed stream (which replays the turn from its first event) rebuilds the same message.
 */
export class UiMessageChunkTranslator {
  private openTextId: string | null = null;
  private textParts = 0;

  translate(event: OutboundEvent): UiMessageChunk[] {
    switch (event.type) {
      case 'turn.started':
        return [{ type: 'start', messageId: event.payload.turnId }, { type: 'start-step' }];
      case 'turn.resumed':
        return []; // another worker continues the same reply: the same message goes on
      case 'token':
        return event.payload.delta === '' ? [] : this.text(event.payload.turnId, event.payload.delta);
      case 'tool.requested':
        return [
          ...this.closeText(),
          {
            type: 'tool-input-available',
            toolCallId: event.payload.toolCallId,
            toolName: event.payload.tool,
            input: event.payload.arguments,
          },
        ];
      case 'tool.completed':
        return [
          ...this.closeText(),
          event.payload.status === 'ok'
            ? {
                type: 'tool-output-available',
                toolCallId: event.payload.toolCallId,
                output: event.payload.output,
              }
            : {
                type: 'tool-output-error',
                toolCallId: event.payload.toolCallId,
                errorText: `${event.payload.status}: ${JSON.stringify(event.payload.output)}`,
              },
        ];
      case 'tool.blocked':
        return [
          ...this.closeText(),
          {
            type: 'tool-output-error',
            toolCallId: event.payload.toolCallId,
            errorText: `TOOL_BLOCKED: ${event.payload.reasons.join('; ')}`,
          },
        ];
      case 'tool.approval_requested':
        return [
          ...this.closeText(),
          {
            type: 'tool-approval-request',
            approvalId: event.payload.toolCallId,
            toolCallId: event.payload.toolCallId,
          },
        ];
      case 'turn.completed':
        return [...this.closeText(), { type: 'finish-step' }, { type: 'finish', finishReason: 'stop' }];
      case 'turn.failed':
        return [
          ...this.closeText(),
          { type: 'error', errorText: `${event.payload.code}: ${event.payload.message}` },
          { type: 'finish', finishReason: 'error' },
        ];
      case 'turn.cancelled':
        return [...this.closeText(), { type: 'abort', reason: 'TURN_CANCELLED' }];
      default:
        return assertUnreachable(event);
    }
  }

  private text(turnId: string, delta: string): UiMessageChunk[] {
    const opened: UiMessageChunk[] = [];
    if (this.openTextId === null) {
      this.openTextId = `${turnId}:text:${String(this.textParts++)}`;
      opened.push({ type: 'text-start', id: this.openTextId });
    }
    return [...opened, { type: 'text-delta', id: this.openTextId, delta }];
  }

  private closeText(): UiMessageChunk[] {
    if (this.openTextId === null) return [];
    const id = this.openTextId;
    this.openTextId = null;
    return [{ type: 'text-end', id }];
  }
}

/**
 * A streamed event typed by its contract (the hub carries payloads as plain records): checked against the schema
 * of its type, so no cast; undefined for a payload its schema refuses (which the consumer's codec already ruled out).
 */
export function toOutboundEvent(event: StreamEvent): OutboundEvent | undefined {
  const { data } = event;
  switch (event.type) {
    case 'turn.started': {
      const check = checkPayload(TurnStartedSchema, data);
      return check.ok ? { type: event.type, payload: check.value } : undefined;
    }
    case 'turn.resumed': {
      const check = checkPayload(TurnResumedSchema, data);
      return check.ok ? { type: event.type, payload: check.value } : undefined;
    }
    case 'token': {
      const check = checkPayload(TokenSchema, data);
      return check.ok ? { type: event.type, payload: check.value } : undefined;
    }
    case 'tool.requested': {
      const check = checkPayload(ToolRequestedSchema, data);
      return check.ok ? { type: event.type, payload: check.value } : undefined;
    }
    case 'tool.completed': {
      const check = checkPayload(ToolCompletedSchema, data);
      return check.ok ? { type: event.type, payload: check.value } : undefined;
    }
    case 'tool.blocked': {
      const check = checkPayload(ToolBlockedSchema, data);
      return check.ok ? { type: event.type, payload: check.value } : undefined;
    }
    case 'tool.approval_requested': {
      const check = checkPayload(ToolApprovalRequestedSchema, data);
      return check.ok ? { type: event.type, payload: check.value } : undefined;
    }
    case 'turn.completed': {
      const check = checkPayload(TurnCompletedSchema, data);
      return check.ok ? { type: event.type, payload: check.value } : undefined;
    }
    case 'turn.failed': {
      const check = checkPayload(TurnFailedSchema, data);
      return check.ok ? { type: event.type, payload: check.value } : undefined;
    }
    case 'turn.cancelled': {
      const check = checkPayload(TurnCancelledSchema, data);
      return check.ok ? { type: event.type, payload: check.value } : undefined;
    }
    default:
      return assertUnreachable(event.type);
  }
}
