import { Type, type Static } from '@sinclair/typebox';

import { StreamErrorFrameSchema } from './stream.contract.js';

const Uuid = Type.String({ format: 'uuid' });
const Seq = Type.Integer({ minimum: 1, description: 'Per-session sequence number; increases by one.' });

/** Who answers a require_approval: the session's own user (in the chat) or an admin (the requeue). */
export const ApproverSchema = Type.Union([Type.Literal('user'), Type.Literal('admin')]);
export type Approver = Static<typeof ApproverSchema>;

/**
 * tool.results: the call waits for its session's user to approve it (policy said require_approval with approver
 * user). The turn stays awaiting_tool until the answer's result, or until `expiresAt` (then TOOL_TIMEOUT).
 */
export const ToolCallApprovalRequestedSchema = Type.Object(
  {
    toolCallId: Uuid,
    turnId: Uuid,
    tool: Type.String({ minLength: 1 }),
    arguments: Type.Record(Type.String(), Type.Unknown()),
    reasons: Type.Array(Type.String()),
    ruleIds: Type.Array(Type.String()),
    expiresAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
export type ToolCallApprovalRequested = Static<typeof ToolCallApprovalRequestedSchema>;

/** conversation.outbound `tool.approval_requested`: the session's user is asked to approve, edit or reject. */
export const ToolApprovalRequestedSchema = Type.Object(
  {
    turnId: Uuid,
    seq: Seq,
    toolCallId: Uuid,
    tool: Type.String(),
    arguments: Type.Record(Type.String(), Type.Unknown()),
    reasons: Type.Array(Type.String()),
    expiresAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
export type ToolApprovalRequested = Static<typeof ToolApprovalRequestedSchema>;

/** A user's answer to a pending approval (REST body, Socket.IO `approval` payload, CLI, console). */
export const ApprovalDecisionSchema = Type.Union([
  Type.Literal('approve'),
  Type.Literal('edit'),
  Type.Literal('reject'),
]);
export type ApprovalDecision = Static<typeof ApprovalDecisionSchema>;

/** Socket.IO `approval` (client → server): answer a pending approval of a session. Acknowledged. */
export const SocketApprovalSchema = Type.Object(
  {
    sessionId: Uuid,
    toolCallId: Uuid,
    decision: ApprovalDecisionSchema,
    /** With `edit`: the arguments the tool runs with instead (validated against its schema, then policy). */
    arguments: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    /** With `reject`: what the model reads as the tool's result. */
    message: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
  },
  { additionalProperties: false, $id: 'socket.approval' },
);
export type SocketApproval = Static<typeof SocketApprovalSchema>;

export const ApprovalStatusSchema = Type.Union([
  Type.Literal('pending'),
  Type.Literal('approved'),
  Type.Literal('edited'),
  Type.Literal('rejected'),
  Type.Literal('expired'),
  Type.Literal('withdrawn'),
]);
export type ApprovalStatus = Static<typeof ApprovalStatusSchema>;

/** The acknowledgement of `approval`: the recorded answer, or an error frame (e.g. APPROVAL_ALREADY_ANSWERED). */
export const SocketApprovalAckSchema = Type.Union(
  [
    Type.Object(
      {
        ok: Type.Literal(true),
        toolCallId: Uuid,
        status: ApprovalStatusSchema,
      },
      { additionalProperties: false },
    ),
    Type.Object({ ok: Type.Literal(false), error: StreamErrorFrameSchema }, { additionalProperties: false }),
  ],
  { $id: 'socket.approval.ack' },
);
export type SocketApprovalAck = Static<typeof SocketApprovalAckSchema>;
