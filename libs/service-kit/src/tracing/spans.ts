import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';
import { tracingActive } from './tracing-state';

/** The tracer of Pushwire's services (instrumentation scope `pushwire`). */
export const pushwireTracer = () => trace.getTracer('pushwire');

/** Span attribute names shared by every service: filter a trace backend on them. */
export const TraceAttributes = {
  messageId: 'pushwire.message_id',
  accountId: 'pushwire.account_id',
  deviceId: 'pushwire.device_id',
  /** The message's delivery status or outcome (`delivered`, `acknowledged`, `stored` …). */
  status: 'pushwire.status',
  edgeId: 'pushwire.edge_id',
} as const;

/** The three attributes of a message to one device. */
export const messageAttributes = (messageId: string, target: { accountId: string; deviceId: string }): Attributes => ({
  [TraceAttributes.messageId]: messageId,
  [TraceAttributes.accountId]: target.accountId,
  [TraceAttributes.deviceId]: target.deviceId,
});

const recordGetter: TextMapGetter<Readonly<Record<string, string | string[] | undefined>>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

/** The trace context a request or record carries (W3C `traceparent`/`tracestate` in its headers); ROOT when none. */
export function contextFromHeaders(headers: Readonly<Record<string, string | string[] | undefined>> | undefined): Context {
  return headers ? propagation.extract(ROOT_CONTEXT, headers, recordGetter) : ROOT_CONTEXT;
}

/** The W3C `traceparent` of the active span, for storing with a message (the inbox); undefined when none is recording. */
export function activeTraceparent(): string | undefined {
  if (!tracingActive()) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/** `{traceparent}` of the active span for a stored record (an inbox entry); `{}` when none is recording. */
export function traceparentField(): { traceparent?: string } {
  const traceparent = activeTraceparent();
  return traceparent ? { traceparent } : {};
}

/** How a traced piece of work is started. */
export interface SpanSpec {
  readonly name: string;
  /** Default: the active context. */
  readonly parent?: Context;
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
  readonly links?: Link[];
}

/**
 * Runs `work` in a new span made active for it (so what it calls, logs and sends joins the trace)
 * and ends the span when `work` settles: `status` names the outcome (attribute `pushwire.status`), a
 * rejection is recorded as the span's error. With tracing off it only runs `work`: no span, no
 * context, no closure kept.
 */
export function traced<T>(
  spec: SpanSpec,
  work: (span: Span | undefined) => T | Promise<T>,
  status?: (result: T) => string | undefined,
): T | Promise<T> {
  if (!tracingActive()) return work(undefined);
  const parent = spec.parent ?? context.active();
  const span = pushwireTracer().startSpan(
    spec.name,
    { kind: spec.kind ?? SpanKind.INTERNAL, attributes: spec.attributes, links: spec.links },
    parent,
  );
  const finish = (result: T): T => {
    const s = status?.(result);
    if (s !== undefined) span.setAttribute(TraceAttributes.status, s);
    span.end();
    return result;
  };
  const fail = (err: unknown): never => {
    span.recordException(err instanceof Error ? err : String(err));
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
    span.end();
    throw err;
  };
  let out: T | Promise<T>;
  try {
    out = context.with(trace.setSpan(parent, span), () => work(span));
  } catch (err) {
    return fail(err);
  }
  return isPromise(out) ? out.then(finish, fail) : finish(out);
}

/** The link to the span a W3C `traceparent` names, for work that follows it later (an inbox delivery); undefined when unparsable. */
export function linkTo(traceparent: string | undefined): Link | undefined {
  if (!traceparent) return undefined;
  const spanContext = trace.getSpanContext(contextFromHeaders({ traceparent }));
  return spanContext && trace.isSpanContextValid(spanContext) ? { context: spanContext } : undefined;
}

const isPromise = <T>(v: T | Promise<T>): v is Promise<T> => typeof (v as Promise<T> | undefined)?.then === 'function';

export { SpanKind, type Context, type Span };
