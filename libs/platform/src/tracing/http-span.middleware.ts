import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { type NextFunction, type Request, type Response } from 'express';
import { tracer } from './spans.js';

/** Probes and scrapes: a span each would bury the traces that matter. */
const UNTRACED = /^\/(health|metrics)(\/|$)/;

/**
 * One SERVER span per HTTP request, the active span while Nest handles it: what the request publishes carries
 * its trace (the envelope's traceparent). A caller's W3C traceparent header makes it a child of the caller's.
 */
export function httpSpanMiddleware(request: Request, response: Response, next: NextFunction): void {
  if (UNTRACED.test(request.path)) {
    next();
    return;
  }
  const parent = propagation.extract(ROOT_CONTEXT, request.headers);
  const span = tracer().startSpan(
    request.method,
    {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': request.method,
        'url.path': request.path,
        'url.scheme': request.protocol,
      },
    },
    parent,
  );
  response.once('finish', () => {
    // The matched route (a template, never ids) names the span once routing has run.
    const route = (request.route as { path?: unknown } | undefined)?.path;
    if (typeof route === 'string') {
      span.updateName(`${request.method} ${route}`);
      span.setAttribute('http.route', route);
    }
    span.setAttribute('http.response.status_code', response.statusCode);
    if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  response.once('close', () => {
    if (!response.writableFinished) span.end();
  });
  context.with(trace.setSpan(parent, span), next);
}
