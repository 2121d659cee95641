import { type Static, type TSchema } from '@sinclair/typebox';
import { type Envelope } from './envelope.contract.js';
import {
  MessagePostedSchema,
  TokenSchema,
  ToolBlockedSchema,
  ToolCompletedSchema,
  ToolRequestedSchema,
  TurnCancelledSchema,
  TurnCancelRequestedSchema,
  TurnCompletedSchema,
  TurnFailedSchema,
  TurnResumedSchema,
  TurnStartedSchema,
} from './conversation.contract.js';
import { AuditRecordedSchema } from './audit.contract.js';
import { ToolApprovalRequestedSchema, ToolCallApprovalRequestedSchema } from './approval.contract.js';
import { ToolCallBlockedSchema, ToolCallFinishedSchema, ToolCallRequestedSchema } from './tool.contract.js';
import { Topics, type Topic } from './topics.contract.js';

export interface MessageTypeSpec {
  readonly type: string;
  readonly topic: Topic;
  readonly schemaVersion: number;
  readonly payload: TSchema;
  readonly description: string;
}

/** Every message type on every topic. Producers and consumers validate against these. */
export const messageTypes = [
  {
    type: 'conversation.message.posted',
    topic: Topics.conversationInbound,
    schemaVersion: 1,
    payload: MessagePostedSchema,
    description: 'A user posted a message; the worker answers it as the given turn.',
  },
  {
    type: 'turn.started',
    topic: Topics.conversationOutbound,
    schemaVersion: 1,
    payload: TurnStartedSchema,
    description: 'The worker began generating a turn.',
  },
  {
    type: 'turn.resumed',
    topic: Topics.conversationOutbound,
    schemaVersion: 1,
    payload: TurnResumedSchema,
    description:
      'The worker running the turn was lost; another instance continues the same turn from the text already ' +
      'streamed (no token is repeated).',
  },
  {
    type: 'token',
    topic: Topics.conversationOutbound,
    schemaVersion: 1,
    payload: TokenSchema,
    description: 'A token delta (possibly a few coalesced tokens); never cumulative text.',
  },
  {
    type: 'tool.requested',
    topic: Topics.conversationOutbound,
    schemaVersion: 1,
    payload: ToolRequestedSchema,
    description: 'The turn asked for a tool call.',
  },
  {
    type: 'tool.completed',
    topic: Topics.conversationOutbound,
    schemaVersion: 1,
    payload: ToolCompletedSchema,
    description: 'A tool call finished and its result entered the context.',
  },
  {
    type: 'tool.blocked',
    topic: Topics.conversationOutbound,
    schemaVersion: 1,
    payload: ToolBlockedSchema,
    description: 'Policy blocked a tool call; the reasons are given.',
  },
  {
    type: 'turn.completed',
    topic: Topics.conversationOutbound,
    schemaVersion: 1,
    payload: TurnCompletedSchema,
    description: 'Terminal: the turn finished; carries token usage.',
  },
  {
    type: 'turn.failed',
    topic: Topics.conversationOutbound,
    schemaVersion: 1,
    payload: TurnFailedSchema,
    description: 'Terminal: the turn failed with an error code.',
  },
  {
    type: 'turn.cancelled',
    topic: Topics.conversationOutbound,
    schemaVersion: 1,
    payload: TurnCancelledSchema,
    description:
      'Terminal: the turn was cancelled (who cancelled it, the usage so far, the partial reply kept as streamed); ' +
      'no token of the turn follows it.',
  },
  {
    type: 'turn.cancel.requested',
    topic: Topics.turnControl,
    schemaVersion: 1,
    payload: TurnCancelRequestedSchema,
    description:
      'Cancel a turn: the worker running it stops generating, the tool executor kills its pending call. The ' +
      'request is already recorded on the turn; this message only makes it quick.',
  },
  {
    type: 'tool.approval_requested',
    topic: Topics.conversationOutbound,
    schemaVersion: 1,
    payload: ToolApprovalRequestedSchema,
    description:
      "The turn waits for the session's user to approve, edit or reject a tool call (REST POST " +
      '/v1/sessions/{id}/approvals/{toolCallId}, Socket.IO `approval`); the turn stays open until the answer or ' +
      'the approval timeout (then turn.failed TOOL_TIMEOUT).',
  },
  {
    type: 'tool.call.requested',
    topic: Topics.toolRequests,
    schemaVersion: 1,
    payload: ToolCallRequestedSchema,
    description:
      'Run a tool call; toolCallId is the idempotency key (a redelivery returns the stored result).',
  },
  {
    type: 'tool.call.finished',
    topic: Topics.toolResults,
    schemaVersion: 1,
    payload: ToolCallFinishedSchema,
    description: 'A tool call ended: ok with output, error with a code, or blocked with the policy reasons.',
  },
  {
    type: 'tool.call.approval_requested',
    topic: Topics.toolResults,
    schemaVersion: 1,
    payload: ToolCallApprovalRequestedSchema,
    description:
      'Policy said require_approval with approver user: the call waits, recorded as a pending approval, for the ' +
      "session's user; the worker streams tool.approval_requested and extends the turn's wait.",
  },
  {
    type: 'tool.call.blocked',
    topic: Topics.toolBlocked,
    schemaVersion: 1,
    payload: ToolCallBlockedSchema,
    description: 'Policy denied a call, it needs approval, or no engine could decide; requeue keeps it.',
  },
  {
    type: 'audit.recorded',
    topic: Topics.auditEvents,
    schemaVersion: 1,
    payload: AuditRecordedSchema,
    description: 'An admin action (override, rejection, dead-letter replay): who, when, why, and on what.',
  },
] as const satisfies readonly MessageTypeSpec[];

export type MessageType = (typeof messageTypes)[number]['type'];

export function messageTypesOf(topic: Topic): MessageTypeSpec[] {
  return messageTypes.filter((spec) => spec.topic === topic);
}

type Spec = (typeof messageTypes)[number];

/** The payload of one message type, from its schema. */
export type MessagePayload<T extends MessageType> = Static<Extract<Spec, { type: T }>['payload']>;

/** The envelope of one message type: what a consumer of that type receives, with no cast. */
export type EnvelopeOf<T extends MessageType> = Envelope<T, MessagePayload<T>>;

/** The message types a topic carries. */
export type TopicMessageType<P extends Topic> = Extract<Spec, { topic: P }>['type'];

/** Any envelope a topic carries, discriminated by `type`. */
export type TopicEnvelope<P extends Topic> = {
  [T in TopicMessageType<P>]: EnvelopeOf<T>;
}[TopicMessageType<P>];
