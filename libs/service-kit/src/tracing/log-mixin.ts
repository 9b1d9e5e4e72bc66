import { context, trace } from '@opentelemetry/api';

/**
 * pino `mixin`: `trace_id` and `span_id` of the active span on every log line written inside one
 * (only a valid span context: a no-op or unsampled-remote one has nothing to follow), so a log line
 * leads to its trace and back. Outside a span, or with tracing off, it adds nothing. It returns a
 * fresh object every time: pino merges the line's own fields INTO what a mixin returns.
 */
export function traceLogMixin(): Record<string, string> {
  const span = trace.getSpan(context.active());
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return trace.isSpanContextValid(span.spanContext()) ? { trace_id: traceId, span_id: spanId } : {};
}
