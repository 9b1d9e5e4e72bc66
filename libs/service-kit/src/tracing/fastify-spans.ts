import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { contextFromHeaders, pushwireTracer } from './spans';
import { tracingActive } from './tracing-state';

/** Ops routes: polled every few seconds, no one follows them in a trace. */
const UNTRACED = new Set(['/healthz', '/readyz', '/metrics', '/openapi.json']);

/**
 * A SERVER span per request of a fastify service (`POST /v1/lookup` …), child of the caller's span
 * when the request carries W3C `traceparent`, and active while the route's handler runs: the spans,
 * service calls and log lines of the handler join the caller's trace. Started in preHandler (after
 * the body is read and validated: the handler is called from its `done`, inside the span's
 * context), ended with the response status. Nothing is done while tracing is off.
 */
export function traceRequests(app: FastifyInstance): void {
  const spans = new WeakMap<FastifyRequest, Span>();
  app.addHook('preHandler', (request, _reply, done) => {
    const route = request.routeOptions.url;
    if (!tracingActive() || route === undefined || UNTRACED.has(route)) return done();
    const parent = contextFromHeaders(request.headers);
    const span = pushwireTracer().startSpan(
      `${request.method} ${route}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'http.route': route } },
      parent,
    );
    spans.set(request, span);
    context.with(trace.setSpan(parent, span), done);
  });
  app.addHook('onResponse', (request, reply, done) => {
    const span = spans.get(request);
    if (span) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    done();
  });
}
