import { Type, type Static, type TSchema } from '@sinclair/typebox';

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
