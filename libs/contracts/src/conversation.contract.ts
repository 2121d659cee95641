import { Type, type Static } from '@sinclair/typebox';
import { type ToolApprovalRequested } from './approval.contract.js';

const Uuid = Type.String({ format: 'uuid' });
const Seq = Type.Integer({ minimum: 1, description: 'Per-session sequence number; increases by one.' });

/** conversation.inbound: a user message to answer (command). */
export const MessagePostedSchema = Type.Object(
  {
    turnId: Uuid,
    messageId: Uuid,
    content: Type.String({ minLength: 1 }),
    /** Who posted it: policy decides the tool calls of the turn for this role. */
    principal: Type.Optional(
      Type.Object(
        {
          role: Type.Union([Type.Literal('admin'), Type.Literal('user')]),
          keyId: Type.Union([Uuid, Type.Null()]),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type MessagePosted = Static<typeof MessagePostedSchema>;

export const TokenUsageSchema = Type.Object(
  {
    promptTokens: Type.Integer({ minimum: 0 }),
    completionTokens: Type.Integer({ minimum: 0 }),
    totalTokens: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type TokenUsage = Static<typeof TokenUsageSchema>;

export const TurnStartedSchema = Type.Object({ turnId: Uuid, seq: Seq }, { additionalProperties: false });
export const TokenSchema = Type.Object(
  { turnId: Uuid, seq: Seq, delta: Type.String({ description: 'New text only, never cumulative.' }) },
  { additionalProperties: false },
);
export const ToolRequestedSchema = Type.Object(
  { turnId: Uuid, seq: Seq, toolCallId: Uuid, tool: Type.String(), arguments: Type.Unknown() },
  { additionalProperties: false },
);
export const ToolCompletedSchema = Type.Object(
  {
    turnId: Uuid,
    seq: Seq,
    toolCallId: Uuid,
    tool: Type.String(),
    status: Type.Union([Type.Literal('ok'), Type.Literal('error'), Type.Literal('rejected')]),
    output: Type.Unknown(),
  },
  { additionalProperties: false },
);
export const ToolBlockedSchema = Type.Object(
  {
    turnId: Uuid,
    seq: Seq,
    toolCallId: Uuid,
    tool: Type.String(),
    reasons: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);
export const TurnCompletedSchema = Type.Object(
  { turnId: Uuid, seq: Seq, messageId: Uuid, usage: TokenUsageSchema },
  { additionalProperties: false },
);
export const TurnFailedSchema = Type.Object(
  {
    turnId: Uuid,
    seq: Seq,
    code: Type.String({
      description:
        'BUDGET_EXCEEDED, WORKER_LOST, GENERATION_FAILED, TOOL_TIMEOUT, TURN_NOT_STARTED, or the dead-letter ' +
        'reason of the message that started it (SCHEMA_VIOLATION, ...)',
    }),
    message: Type.String(),
    usage: Type.Optional(TokenUsageSchema),
  },
  { additionalProperties: false },
);

export const TurnResumedSchema = Type.Object(
  {
    turnId: Uuid,
    seq: Seq,
    attempt: Type.Integer({ minimum: 2, description: 'Which run of the turn this is (the first is 1).' }),
    instanceId: Type.String({ description: 'The worker instance that continues the turn.' }),
  },
  { additionalProperties: false },
);

/** Who cancelled a turn, and how. */
export const CancellerSchema = Type.Object(
  {
    role: Type.Union([Type.Literal('admin'), Type.Literal('user')]),
    keyId: Type.Union([Uuid, Type.Null()]),
    via: Type.Union(
      [Type.Literal('api'), Type.Literal('socket'), Type.Literal('interrupt'), Type.Literal('disconnect')],
      {
        description:
          'api: POST .../cancel; socket: the Socket.IO cancel message; interrupt: a message posted with ' +
          'ifBusy=interrupt; disconnect: a client that asked for cancel-on-disconnect went away.',
      },
    ),
  },
  { additionalProperties: false },
);
export type Canceller = Static<typeof CancellerSchema>;

export const TurnCancelledSchema = Type.Object(
  {
    turnId: Uuid,
    seq: Seq,
    cancelledBy: CancellerSchema,
    messageId: Type.Union([Uuid, Type.Null()], {
      description:
        'The partial reply as streamed, kept with status cancelled; null when nothing was streamed.',
    }),
    usage: TokenUsageSchema,
  },
  { additionalProperties: false },
);

export type TurnStarted = Static<typeof TurnStartedSchema>;
export type TurnResumed = Static<typeof TurnResumedSchema>;
export type TokenDelta = Static<typeof TokenSchema>;
export type ToolRequested = Static<typeof ToolRequestedSchema>;
export type ToolCompleted = Static<typeof ToolCompletedSchema>;
export type ToolBlocked = Static<typeof ToolBlockedSchema>;
export type TurnCompleted = Static<typeof TurnCompletedSchema>;
export type TurnFailed = Static<typeof TurnFailedSchema>;
export type TurnCancelled = Static<typeof TurnCancelledSchema>;

/** The events streamed to clients, by type. */
export interface OutboundEventPayloads {
  'turn.started': TurnStarted;
  'turn.resumed': TurnResumed;
  token: TokenDelta;
  'tool.requested': ToolRequested;
  'tool.completed': ToolCompleted;
  'tool.blocked': ToolBlocked;
  'turn.completed': TurnCompleted;
  'turn.failed': TurnFailed;
  'turn.cancelled': TurnCancelled;
  'tool.approval_requested': ToolApprovalRequested;
}
export type OutboundEventType = keyof OutboundEventPayloads;
export const terminalEventTypes: readonly OutboundEventType[] = [
  'turn.completed',
  'turn.failed',
  'turn.cancelled',
];

/** turn.control: cancel a turn. Every worker and tool-executor instance sees it (each in its own group). */
export const TurnCancelRequestedSchema = Type.Object(
  {
    turnId: Uuid,
    /** The tool call the turn waited for when the cancel was asked for: the executor withdraws it. */
    toolCallId: Type.Union([Uuid, Type.Null()]),
    cancelledBy: CancellerSchema,
  },
  { additionalProperties: false },
);
export type TurnCancelRequested = Static<typeof TurnCancelRequestedSchema>;
