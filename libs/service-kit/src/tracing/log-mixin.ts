import { context, trace } from '@opentelemetry/api';

const NONE = Object.freeze({});

/**
 * pino `mixin`: `trace_id` and `span_id` of the active span on every log line written inside one
 * (only a valid span context: a no-op or unsampled-remote one has nothing to follow), so a log line
 * leads to its trace and back. Outside a span, or with tracing off, it adds nothing and allocates
 * nothing (the no-op context manager answers the root context).
 */
export function traceLogMixin(): Record<string, string> {
  const span = trace.getSpan(context.active());
  if (!span) return NONE;
  const { traceId, spanId } = span.spanContext();
  return trace.isSpanContextValid(span.spanContext()) ? { trace_id: traceId, span_id: spanId } : NONE;
}
