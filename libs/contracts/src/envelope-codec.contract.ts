import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { FormatRegistry, type TSchema } from '@sinclair/typebox';
import { context, propagation } from '@opentelemetry/api';
import { randomUUID } from 'node:crypto';
import {
  envelopeSchemaFor,
  TRACEPARENT_PATTERN,
  TRACESTATE_MAX_LENGTH,
  type Envelope,
} from './envelope.contract.js';
import {
  messageTypes,
  type MessagePayload,
  type MessageType,
  type MessageTypeSpec,
  type TopicEnvelope,
} from './registry.contract.js';
import { type Topic } from './topics.contract.js';

/** The end of every exhaustive switch over a union of codes: a new code does not compile until mapped. */
export function assertUnreachable(value: never): never {
  throw new Error(`unmapped value ${String(value)}`);
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The one uuid check: contracts, route parameters and parsers all use it. */
export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID_RE.test(value);

if (!FormatRegistry.Has('uuid')) FormatRegistry.Set('uuid', isUuid);
if (!FormatRegistry.Has('date-time'))
  FormatRegistry.Set('date-time', (value) => !Number.isNaN(Date.parse(value)));

/** Why a message could not be accepted; also the dead-letter reason code. */
export type DecodeFailureCode =
  'MALFORMED_JSON' | 'UNKNOWN_MESSAGE_TYPE' | 'SCHEMA_VIOLATION' | 'WRONG_TOPIC';

export type DecodeResult<P extends Topic = Topic> =
  | {
      ok: true;
      envelope: TopicEnvelope<P>;
      /** Why the message's trace context was dropped (malformed): it is handled all the same, in a new trace. */
      droppedTraceContext?: string;
    }
  | { ok: false; code: DecodeFailureCode; detail: string; raw: string };

interface CompiledType {
  spec: MessageTypeSpec;
  check: TypeCheck<TSchema>;
}

const compiled = new Map<string, CompiledType>(
  messageTypes.map((spec) => [
    `${spec.type}@${spec.schemaVersion}`,
    { spec, check: TypeCompiler.Compile(envelopeSchemaFor(spec.type, spec.schemaVersion, spec.payload)) },
  ]),
);

function describeErrors(check: TypeCheck<TSchema>, value: unknown): string {
  return [...check.Errors(value)]
    .slice(0, 5)
    .map((error) => `${error.path || '/'}: ${error.message}`)
    .join('; ');
}

/** Parses and validates a raw Kafka value against the contract of the topic it arrived on. */
export function decodeEnvelope<P extends Topic>(topic: P, raw: Buffer | string | null): DecodeResult<P> {
  const text = raw === null ? '' : raw.toString();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, code: 'MALFORMED_JSON', detail: (error as Error).message, raw: text };
  }
  if (typeof value !== 'object' || value === null) {
    return { ok: false, code: 'MALFORMED_JSON', detail: 'message is not a JSON object', raw: text };
  }
  const dropped = dropMalformedTraceContext(value as Record<string, unknown>);
  const { type, schemaVersion } = value as { type?: unknown; schemaVersion?: unknown };
  const entry = compiled.get(`${String(type)}@${String(schemaVersion)}`);
  if (!entry) {
    return {
      ok: false,
      code: 'UNKNOWN_MESSAGE_TYPE',
      detail: `no contract for type=${String(type)} schemaVersion=${String(schemaVersion)}`,
      raw: text,
    };
  }
  if (entry.spec.topic !== topic) {
    return {
      ok: false,
      code: 'WRONG_TOPIC',
      detail: `${entry.spec.type} belongs on ${entry.spec.topic}`,
      raw: text,
    };
  }
  if (!entry.check.Check(value)) {
    return { ok: false, code: 'SCHEMA_VIOLATION', detail: describeErrors(entry.check, value), raw: text };
  }
  // Checked against the schema of its type, which belongs on this topic: the one place that narrows.
  const envelope = value as TopicEnvelope<P>;
  return dropped ? { ok: true, envelope, droppedTraceContext: dropped } : { ok: true, envelope };
}

const TRACEPARENT_RE = new RegExp(TRACEPARENT_PATTERN);

/**
 * Tracing must never cost a message: a traceparent that is not W3C (or a tracestate that is too long, or one
 * without a traceparent) is removed before the envelope is checked. Returns why, or undefined if it was fine.
 */
function dropMalformedTraceContext(value: Record<string, unknown>): string | undefined {
  const { traceparent, tracestate } = value;
  let why: string | undefined;
  if (traceparent !== undefined && (typeof traceparent !== 'string' || !TRACEPARENT_RE.test(traceparent)))
    why = 'traceparent is not a W3C traceparent';
  else if (
    tracestate !== undefined &&
    (traceparent === undefined || typeof tracestate !== 'string' || tracestate.length > TRACESTATE_MAX_LENGTH)
  )
    why = 'tracestate without a traceparent, or not a string of at most 512 characters';
  if (why === undefined) return undefined;
  delete value.traceparent;
  delete value.tracestate;
  return why;
}

export interface EnvelopeContext {
  tenantId: string;
  sessionId: string;
  correlationId: string;
  causationId?: string | null;
}

/**
 * The W3C trace context of the active span, carried in the envelope itself: messages go out through the outbox,
 * long after (and outside of) the context that made them. Empty while tracing is off (no propagator).
 */
function traceContext(): { traceparent?: string; tracestate?: string } {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  const out: { traceparent?: string; tracestate?: string } = {};
  if (carrier.traceparent) out.traceparent = carrier.traceparent;
  if (carrier.tracestate) out.tracestate = carrier.tracestate;
  return out;
}

/** Builds an envelope and validates it: producers never publish what consumers would reject. */
export function createEnvelope<T extends MessageType>(
  type: T,
  ctx: EnvelopeContext,
  payload: MessagePayload<T>,
  eventId: string = randomUUID(),
): Envelope<T, MessagePayload<T>> {
  const spec: MessageTypeSpec | undefined = messageTypes.find((candidate) => candidate.type === type);
  if (!spec) throw new Error(`no contract for message type ${type}`);
  const envelope: Envelope<T, MessagePayload<T>> = {
    eventId,
    type,
    schemaVersion: spec.schemaVersion,
    occurredAt: new Date().toISOString(),
    tenantId: ctx.tenantId,
    sessionId: ctx.sessionId,
    correlationId: ctx.correlationId,
    causationId: ctx.causationId ?? null,
    ...traceContext(),
    payload,
  };
  const entry = compiled.get(`${type}@${spec.schemaVersion}`);
  if (entry && !entry.check.Check(envelope)) {
    throw new Error(`refusing to publish invalid ${type}: ${describeErrors(entry.check, envelope)}`);
  }
  return envelope;
}
