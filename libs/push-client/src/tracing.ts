import { context, propagation, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import type { PushTarget } from '@pushwire/protocol';

/**
 * OpenTelemetry spans of the push client, through `@opentelemetry/api` only: a library never starts
 * an SDK. In a process that registered none, the API's no-op tracer answers (a non-recording span,
 * nothing propagated, no context switch); in one that did (the message processor, a backend with the
 * OpenTelemetry SDK), `send` and `enqueue` are spans and their registry, edge and Kafka calls carry
 * their trace context.
 */
const tracer = () => trace.getTracer('@pushwire/push-client');

/** Attribute names, the same as the services' (service-kit's TraceAttributes). */
const ATTR = {
  messageId: 'pushwire.message_id',
  accountId: 'pushwire.account_id',
  deviceId: 'pushwire.device_id',
  status: 'pushwire.status',
};

/**
 * Runs `work` in a span `name` about one message to one device, made active while it runs, ended
 * with `statusOf(result)` (or the error). A non-recording span (no SDK, or not sampled) skips the
 * context switch.
 */
export function messageSpan<T>(
  name: string,
  kind: SpanKind,
  messageId: string,
  target: PushTarget,
  work: () => Promise<T>,
  statusOf: (result: T) => string | undefined,
): Promise<T> {
  const span = tracer().startSpan(name, {
    kind,
    attributes: { [ATTR.messageId]: messageId, [ATTR.accountId]: target.accountId, [ATTR.deviceId]: target.deviceId },
  });
  if (!span.isRecording()) return work();
  return context.with(trace.setSpan(context.active(), span), work).then(
    (result) => end(span, statusOf(result), result),
    (err: unknown) => fail(span, err),
  );
}

/** A span over a batch (`enqueueMany`): `count` messages, no single target. */
export function batchSpan<T>(name: string, count: number, work: () => Promise<T>): Promise<T> {
  const span = tracer().startSpan(name, { kind: SpanKind.PRODUCER, attributes: { 'messaging.batch.message_count': count } });
  if (!span.isRecording()) return work();
  return context.with(trace.setSpan(context.active(), span), work).then(
    (result) => end(span, undefined, result),
    (err: unknown) => fail(span, err),
  );
}

/** The active context when it holds a recording span (kept with a queued send, to run its lookup and delivery in); else undefined. */
export function recordingContext(): Context | undefined {
  return trace.getSpan(context.active())?.isRecording() ? context.active() : undefined;
}

/** Runs `work` in `ctx` when there is one (a batched request joins the trace of its first message). */
export const inContext = <T>(ctx: Context | undefined, work: () => T): T => (ctx ? context.with(ctx, work) : work());

/** `{headers: {traceparent, tracestate}}` of the active span for a bus record; `{}` when nothing is traced. */
export function traceHeaders(): { headers?: Record<string, string> } {
  const headers: Record<string, string> = {};
  propagation.inject(context.active(), headers);
  return headers.traceparent ? { headers } : {};
}

function end<T>(span: Span, status: string | undefined, result: T): T {
  if (status !== undefined) span.setAttribute(ATTR.status, status);
  span.end();
  return result;
}

function fail(span: Span, err: unknown): never {
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
  span.end();
  throw err;
}

export { SpanKind, type Context };
