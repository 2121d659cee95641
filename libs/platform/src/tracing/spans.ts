import {
  context,
  INVALID_SPAN_CONTEXT,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';

export { SpanKind, type Span, type Attributes };

/** The platform's tracer: a no-op until startTracing registered the SDK. */
export const tracer = () => trace.getTracer('soma');

/**
 * Runs `work` inside a new span, the active one while it runs: a throw is recorded on the span (status error)
 * and rethrown; the span always ends. `parent` overrides the active context (a message's producer).
 */
export function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Attributes; parent?: Context },
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer().startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes },
    options.parent ?? context.active(),
    async (span) => {
      try {
        return await work(span);
      } catch (error) {
        failSpan(span, error);
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** Marks a span failed with the error's message (and its exception event). */
export function failSpan(span: Span, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  span.recordException(error instanceof Error ? error : new Error(message));
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/** The active span (a non-recording one when tracing is off): for attributes known only later. */
export const activeSpan = (): Span => trace.getActiveSpan() ?? trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** The trace and span id of the active span, for log lines; undefined outside of any (or with tracing off). */
export function activeTraceIds(): { traceId: string; spanId: string } | undefined {
  const span = trace.getActiveSpan();
  if (!span) return undefined;
  const { traceId, spanId } = span.spanContext();
  return trace.isSpanContextValid(span.spanContext()) ? { traceId, spanId } : undefined;
}

/**
 * The context a message was produced in (its W3C traceparent/tracestate), to parent the span of its handling.
 * A missing or malformed traceparent gives the root context: the handling starts a new trace.
 */
export function contextOfCarrier(carrier: { traceparent?: string; tracestate?: string }): Context {
  const headers: Record<string, string> = {};
  if (carrier.traceparent !== undefined) headers.traceparent = carrier.traceparent;
  if (carrier.tracestate !== undefined) headers.tracestate = carrier.tracestate;
  return propagation.extract(ROOT_CONTEXT, headers);
}
