import { type TSchema } from '@sinclair/typebox';
import { SocketApprovalAckSchema, SocketApprovalSchema } from './approval.contract.js';
import { terminalEventTypes } from './conversation.contract.js';
import { envelopeSchemaFor } from './envelope.contract.js';
import { messageTypes, messageTypesOf } from './registry.contract.js';
import {
  SocketCancelAckSchema,
  SocketCancelSchema,
  SocketEventMetaSchema,
  SocketJoinAckSchema,
  SocketJoinSchema,
  SocketLeaveSchema,
  StreamErrorFrameSchema,
} from './stream.contract.js';
import {
  allTopicSpecs,
  consumedTopics,
  deadLetterTopic,
  retryTopic,
  Topics,
  type Topic,
} from './topics.contract.js';

export const CONTRACT_VERSION = '0.1.0';

type Json = Record<string, unknown>;

/** TypeBox schemas are JSON Schema; this drops TypeBox's symbol keys and copies. */
const json = (schema: TSchema): Json => JSON.parse(JSON.stringify(schema)) as Json;
const ref = (path: string): Json => ({ $ref: `#/${path}` });
const key = (name: string): string => name.replace(/[^A-Za-z0-9_-]/g, '_');

const DLQ_HEADERS = {
  type: 'object',
  properties: {
    'soma-dlq-reason': {
      type: 'string',
      description:
        'MALFORMED_JSON | UNKNOWN_MESSAGE_TYPE | SCHEMA_VIOLATION | WRONG_TOPIC | HANDLER_FAILED | ...',
    },
    'soma-dlq-detail': { type: 'string' },
    'soma-dlq-source': { type: 'string', description: '<topic>/<partition>/<offset> of the original' },
    'soma-dlq-app': { type: 'string' },
    'soma-dlq-at': { type: 'string', format: 'date-time' },
  },
  required: ['soma-dlq-reason', 'soma-dlq-source'],
};

function kafkaChannels(messages: Json, channels: Json, operations: Json): void {
  const outboundConsumers: Partial<Record<Topic, string>> = { [Topics.conversationOutbound]: 'gateway' };
  for (const spec of allTopicSpecs()) {
    const name = spec.name;
    const source = (Object.values(Topics) as string[]).find(
      (topic) =>
        name === topic || name === retryTopic(topic as Topic) || name === deadLetterTopic(topic as Topic),
    ) as Topic;
    const isDlq = name === deadLetterTopic(source) && consumedTopics.includes(source);
    const channelMessages: Json = {};
    if (isDlq) {
      const id = `dlq_${key(source)}`;
      messages[id] = {
        name: `${source}.dead-letter`,
        title: `Dead letter of ${source}`,
        summary: 'The original bytes, unchanged, with the reason in headers.',
        headers: DLQ_HEADERS,
        payload: {},
      };
      channelMessages[id] = ref(`components/messages/${id}`);
    } else {
      for (const type of messageTypesOf(source)) {
        const id = `kafka_${key(type.type)}`;
        channelMessages[id] = ref(`components/messages/${id}`);
      }
    }
    const channelId = key(name);
    channels[channelId] = {
      address: name,
      title: name,
      description:
        (isDlq
          ? 'Dead letters'
          : name === source
            ? 'Key: sessionId (tenantId for audit.events)'
            : 'Retries') +
        `; ${spec.partitions} partition(s)` +
        (spec.retentionMs ? `; retention ${spec.retentionMs} ms` : '') +
        (outboundConsumers[source] && name === source
          ? `; consumed by the ${outboundConsumers[source]}`
          : ''),
      messages: channelMessages,
      bindings: { kafka: { partitions: spec.partitions, bindingVersion: '0.5.0' } },
    };
    if (Object.keys(channelMessages).length > 0) {
      operations[`publish_${channelId}`] = {
        action: 'send',
        channel: ref(`channels/${channelId}`),
        messages: Object.keys(channelMessages).map((id) => ref(`channels/${channelId}/messages/${id}`)),
      };
    }
  }
  for (const type of messageTypes) {
    messages[`kafka_${key(type.type)}`] = {
      name: type.type,
      title: `${type.type} v${type.schemaVersion}`,
      summary: type.description,
      contentType: 'application/json',
      payload: json(envelopeSchemaFor(type.type, type.schemaVersion, type.payload)),
    };
  }
}

function streamChannels(messages: Json, channels: Json, operations: Json): void {
  const outbound = messageTypesOf(Topics.conversationOutbound);
  const eventRefs: Json = {};
  for (const type of outbound) {
    const id = `stream_${key(type.type)}`;
    const terminal = (terminalEventTypes as readonly string[]).includes(type.type) ? ' Terminal.' : '';
    messages[id] = {
      name: type.type,
      title: type.type,
      summary: `${type.description}${terminal} SSE: id = seq, event = ${type.type}, data = payload. Socket.IO: event ${type.type}, args [payload, {sessionId}].`,
      contentType: 'application/json',
      payload: json(type.payload),
    };
    eventRefs[id] = ref(`components/messages/${id}`);
  }
  messages.stream_error = {
    name: 'error',
    title: 'error',
    summary: 'An error frame. On Socket.IO, API_KEY_* codes are followed by a server disconnect.',
    payload: json(StreamErrorFrameSchema),
  };
  messages.socket_join = {
    name: 'join',
    title: 'join',
    summary: 'Stream a session: replay after afterSeq, then live, without gaps or duplicates. Acknowledged.',
    payload: json(SocketJoinSchema),
    correlationId: { location: '$message.payload#/sessionId' },
  };
  messages.socket_join_ack = {
    name: 'join.ack',
    title: 'join acknowledgement',
    payload: json(SocketJoinAckSchema),
  };
  messages.socket_leave = { name: 'leave', title: 'leave', payload: json(SocketLeaveSchema) };
  messages.socket_cancel = {
    name: 'cancel',
    title: 'cancel',
    summary:
      "Cancel a turn of a session (the caller's tenant): it ends with one turn.cancelled, ordered with its other " +
      'events. Idempotent: a second cancel, or one of an ended turn, answers with the state. Acknowledged.',
    payload: json(SocketCancelSchema),
  };
  messages.socket_cancel_ack = {
    name: 'cancel.ack',
    title: 'cancel acknowledgement',
    payload: json(SocketCancelAckSchema),
  };
  messages.socket_approval = {
    name: 'approval',
    title: 'approval',
    summary:
      "Answer a pending tool approval of a session (the session's own user or its tenant's admin): approve, edit " +
      '(new arguments) or reject (a message the model reads). Single-use; acknowledged.',
    payload: json(SocketApprovalSchema),
  };
  messages.socket_approval_ack = {
    name: 'approval.ack',
    title: 'approval acknowledgement',
    payload: json(SocketApprovalAckSchema),
  };
  channels.sse_session_events = {
    address: '/v1/sessions/{sessionId}/events',
    title: 'Server-sent events of a session',
    description:
      "GET with Authorization: Bearer <api key>. Resume with Last-Event-ID (or ?afterSeq=). Another tenant's session answers 404.",
    parameters: { sessionId: { description: 'Session id (uuid)' } },
    messages: { ...eventRefs, stream_error: ref('components/messages/stream_error') },
  };
  channels.socketio_sessions = {
    address: '/sessions',
    title: 'Socket.IO namespace /sessions',
    description:
      'Handshake with auth.token = <api key> (or Authorization: Bearer). Every streamed event has a second argument ' +
      `${JSON.stringify(json(SocketEventMetaSchema).properties)}.`,
    messages: {
      ...eventRefs,
      stream_error: ref('components/messages/stream_error'),
      socket_join: ref('components/messages/socket_join'),
      socket_join_ack: ref('components/messages/socket_join_ack'),
      socket_leave: ref('components/messages/socket_leave'),
      socket_cancel: ref('components/messages/socket_cancel'),
      socket_cancel_ack: ref('components/messages/socket_cancel_ack'),
      socket_approval: ref('components/messages/socket_approval'),
      socket_approval_ack: ref('components/messages/socket_approval_ack'),
    },
  };
  const streamed = [...Object.keys(eventRefs), 'stream_error'];
  operations.receive_sse_events = {
    action: 'send',
    channel: ref('channels/sse_session_events'),
    messages: streamed.map((id) => ref(`channels/sse_session_events/messages/${id}`)),
  };
  operations.receive_socket_events = {
    action: 'send',
    channel: ref('channels/socketio_sessions'),
    messages: streamed.map((id) => ref(`channels/socketio_sessions/messages/${id}`)),
  };
  operations.socket_join = {
    action: 'receive',
    channel: ref('channels/socketio_sessions'),
    messages: [ref('channels/socketio_sessions/messages/socket_join')],
    reply: { messages: [ref('channels/socketio_sessions/messages/socket_join_ack')] },
  };
  operations.socket_approval = {
    action: 'receive',
    channel: ref('channels/socketio_sessions'),
    messages: [ref('channels/socketio_sessions/messages/socket_approval')],
    reply: { messages: [ref('channels/socketio_sessions/messages/socket_approval_ack')] },
  };
  operations.socket_leave = {
    action: 'receive',
    channel: ref('channels/socketio_sessions'),
    messages: [ref('channels/socketio_sessions/messages/socket_leave')],
  };
  operations.socket_cancel = {
    action: 'receive',
    channel: ref('channels/socketio_sessions'),
    messages: [ref('channels/socketio_sessions/messages/socket_cancel')],
    reply: { messages: [ref('channels/socketio_sessions/messages/socket_cancel_ack')] },
  };
}

/**
 * The published event contract (AsyncAPI 3.0), generated from this library: every Kafka topic with its message
 * envelopes, and the events streamed to clients over SSE and Socket.IO. docs/asyncapi.json is this, checked in.
 */
export function buildAsyncApiDocument(): Json {
  const messages: Json = {};
  const channels: Json = {};
  const operations: Json = {};
  kafkaChannels(messages, channels, operations);
  streamChannels(messages, channels, operations);
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'SomaAgent events',
      version: CONTRACT_VERSION,
      description:
        'Kafka topics (every message is an envelope: eventId, type, schemaVersion, occurredAt, tenantId, sessionId, ' +
        'correlationId, causationId, payload) and the session events streamed to clients (SSE, Socket.IO). ' +
        'Generated from libs/contracts; regenerate with `npm run asyncapi`.',
      license: { name: 'Apache-2.0' },
    },
    defaultContentType: 'application/json',
    servers: {
      kafka: { host: '127.0.0.1:19092', protocol: 'kafka', description: 'SOMA_KAFKA_BROKERS' },
      gateway: { host: '127.0.0.1:3000', protocol: 'http', description: 'The gateway (SSE and Socket.IO)' },
    },
    channels,
    operations,
    components: { messages },
  };
}
