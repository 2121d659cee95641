import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * A W3C traceparent (version-format 00, lower-case hex): version not ff, trace and parent ids not all zeros.
 * https://www.w3.org/TR/trace-context/#traceparent-header
 */
export const TRACEPARENT_PATTERN =
  '^(?!ff)[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$';
/** 32 list members of at most 256 characters is the W3C limit; 512 is what it says a carrier should keep. */
export const TRACESTATE_MAX_LENGTH = 512;

/** Fields every Kafka message carries, whatever its payload. */
export const EnvelopeHeaderSchema = Type.Object(
  {
    eventId: Type.String({ format: 'uuid', description: 'Unique id; the idempotency key of consumers.' }),
    type: Type.String({ minLength: 1 }),
    schemaVersion: Type.Integer({ minimum: 1 }),
    occurredAt: Type.String({ format: 'date-time' }),
    tenantId: Type.String({ format: 'uuid' }),
    sessionId: Type.String({ format: 'uuid' }),
    correlationId: Type.String({ minLength: 1 }),
    causationId: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
    // Validated: decodeEnvelope drops a malformed trace context (the message starts a new trace), never rejects.
    traceparent: Type.Optional(
      Type.String({
        pattern: TRACEPARENT_PATTERN,
        description:
          'W3C trace context (https://www.w3.org/TR/trace-context/) of the span that produced the message; absent when tracing is off.',
      }),
    ),
    tracestate: Type.Optional(
      Type.String({
        maxLength: TRACESTATE_MAX_LENGTH,
        description: 'W3C tracestate that goes with traceparent.',
      }),
    ),
  },
  { additionalProperties: false },
);

export type EnvelopeHeader = Static<typeof EnvelopeHeaderSchema>;

export interface Envelope<TType extends string = string, TPayload = unknown> extends EnvelopeHeader {
  type: TType;
  payload: TPayload;
}

export const envelopeSchemaFor = <T extends TSchema>(type: string, schemaVersion: number, payload: T) =>
  Type.Object(
    {
      ...EnvelopeHeaderSchema.properties,
      type: Type.Literal(type),
      schemaVersion: Type.Literal(schemaVersion),
      payload,
    },
    { additionalProperties: false, $id: `${type}.v${schemaVersion}` },
  );
