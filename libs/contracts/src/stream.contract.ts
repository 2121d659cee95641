import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType } from '@sinclair/typebox/errors';
import { UNSTORABLE_TEXT_MESSAGE, unstorableTextFields } from './storable-text.contract.js';

/** Socket.IO `join` (client → server): stream a session, replaying every event after `afterSeq`. */
export const SocketJoinSchema = Type.Object(
  {
    sessionId: Type.String({ format: 'uuid' }),
    afterSeq: Type.Optional(
      Type.Integer({ minimum: 0, description: 'The last seq the client has; 0 or absent = from the start.' }),
    ),
    cancelOnDisconnect: Type.Optional(
      Type.Boolean({
        description:
          "When true, the session's open turns are cancelled if this socket disconnects (or leaves) while " +
          'they run. Disconnecting is not cancelling otherwise.',
      }),
    ),
  },
  { additionalProperties: false, $id: 'socket.join' },
);
export type SocketJoin = Static<typeof SocketJoinSchema>;

/** Socket.IO `cancel` (client → server): cancel a turn of a session; acknowledged with the turn's state. */
export const SocketCancelSchema = Type.Object(
  { sessionId: Type.String({ format: 'uuid' }), turnId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false, $id: 'socket.cancel' },
);
export type SocketCancel = Static<typeof SocketCancelSchema>;

/** Socket.IO `leave` (client → server): stop streaming a session. */
export const SocketLeaveSchema = Type.Object(
  { sessionId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false, $id: 'socket.leave' },
);
export type SocketLeave = Static<typeof SocketLeaveSchema>;

export const FieldErrorSchema = Type.Object(
  { field: Type.String(), errors: Type.Array(Type.String()) },
  { additionalProperties: false },
);

/** `error` (server → client) on Socket.IO, and the `error` SSE event when the server ends a stream. */
export const StreamErrorFrameSchema = Type.Object(
  {
    code: Type.String({
      description:
        'API_KEY_MISSING | API_KEY_INVALID | STREAM_SLOW_READER (the connection is closed) | RATE_LIMITED | SESSION_NOT_FOUND | TURN_NOT_FOUND | VALIDATION_FAILED | INTERNAL_ERROR',
    }),
    message: Type.String(),
    fields: Type.Optional(Type.Array(FieldErrorSchema)),
  },
  { additionalProperties: false, $id: 'stream.error' },
);
export type StreamErrorFrame = Static<typeof StreamErrorFrameSchema>;

/** The acknowledgement of `join`. */
export const SocketJoinAckSchema = Type.Union(
  [
    Type.Object(
      {
        ok: Type.Literal(true),
        sessionId: Type.String({ format: 'uuid' }),
        afterSeq: Type.Integer({ minimum: 0 }),
      },
      { additionalProperties: false },
    ),
    Type.Object({ ok: Type.Literal(false), error: StreamErrorFrameSchema }, { additionalProperties: false }),
  ],
  { $id: 'socket.join.ack' },
);

/** The acknowledgement of `cancel`: the turn's state after the request (final, or still ending). */
export const SocketCancelAckSchema = Type.Union(
  [
    Type.Object(
      {
        ok: Type.Literal(true),
        turnId: Type.String({ format: 'uuid' }),
        status: Type.String({
          description: 'completed | failed | cancelled once ended; running | awaiting_tool while it ends.',
        }),
        cancelRequested: Type.Boolean(),
      },
      { additionalProperties: false },
    ),
    Type.Object({ ok: Type.Literal(false), error: StreamErrorFrameSchema }, { additionalProperties: false }),
  ],
  { $id: 'socket.cancel.ack' },
);
export type SocketCancelAck = Static<typeof SocketCancelAckSchema>;

/** Second argument of every streamed Socket.IO event: which session it belongs to. */
export const SocketEventMetaSchema = Type.Object(
  { sessionId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false, $id: 'socket.event.meta' },
);

export type PayloadCheck<T> =
  { ok: true; value: T } | { ok: false; fields: Static<typeof FieldErrorSchema>[] };

/** Validates a client payload against its contract, naming every failing or unknown field. */
const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

export function checkPayload<T extends TSchema>(schema: T, value: unknown): PayloadCheck<Static<T>> {
  let check = compiled.get(schema);
  if (!check) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check);
  }
  const unstorable = unstorableTextFields(value);
  if (unstorable.length > 0)
    return { ok: false, fields: unstorable.map((field) => ({ field, errors: [UNSTORABLE_TEXT_MESSAGE] })) };
  if (check.Check(value)) return { ok: true, value };
  const byField = new Map<string, string[]>();
  for (const error of check.Errors(value)) {
    const field = error.path.replace(/^\//, '').replaceAll('/', '.') || '(payload)';
    const message =
      error.type === ValueErrorType.ObjectAdditionalProperties
        ? `${field} is not a known field`
        : error.message;
    byField.set(field, [...(byField.get(field) ?? []), message]);
  }
  return { ok: false, fields: [...byField].map(([field, errors]) => ({ field, errors })) };
}
