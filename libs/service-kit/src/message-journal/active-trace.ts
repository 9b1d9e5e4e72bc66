import { isSpanContextValid, trace } from '@opentelemetry/api';

/**
 * The trace id of the OpenTelemetry span active now, or undefined (no span, no SDK registered, or
 * an invalid context). Without an SDK the API's no-op implementation answers at once, so the
 * journal pays almost nothing for asking.
 */
export function activeTraceId(): string | undefined {
  const span = trace.getActiveSpan();
  if (!span) return undefined;
  const context = span.spanContext();
  return isSpanContextValid(context) ? context.traceId : undefined;
}
