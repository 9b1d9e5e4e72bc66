import type { Delivery, DeliveryResult } from '@pushwire/protocol';
import type { HttpRequest } from '@pushwire/uws';
import {
  contextFromHeaders,
  messageAttributes,
  SpanKind,
  traced,
  tracingActive,
  TraceAttributes,
  type Context,
  type Span,
} from '@pushwire/service-kit';

/** What delivers (the Deliverer, or the inbox's settling one): passed as the object, so the untraced path allocates no closure. */
type Deliver = { deliver(d: Delivery): DeliveryResult | Promise<DeliveryResult> };

/**
 * The caller's trace context from a uWS request's `traceparent`/`tracestate` headers. Read
 * synchronously in the route handler: a uWS request is gone after the first await. Undefined while
 * tracing is off (no header read) or when the request carries none.
 */
export function uwsTraceContext(req: HttpRequest): Context | undefined {
  if (!tracingActive()) return undefined;
  const traceparent = req.getHeader('traceparent');
  if (!traceparent) return undefined;
  return contextFromHeaders({ traceparent, tracestate: req.getHeader('tracestate') });
}

/**
 * One delivery as a span `edge deliver` (child of the sender's request span, `parent`): an event
 * `frame written` when the frame went to the socket, then — for a message that wants an ack — the
 * span stays open until the ack (event `ack received`) or the ack timeout; `pushwire.status` is the
 * delivery's status. With tracing off it is `deliverer.deliver(d)`: no span, no closure.
 */
export function tracedDelivery(parent: Context | undefined, d: Delivery, deliverer: Deliver): DeliveryResult | Promise<DeliveryResult> {
  if (!tracingActive()) return deliverer.deliver(d);
  return traced(
    { name: 'edge deliver', kind: SpanKind.SERVER, parent, attributes: deliveryAttributes(d) },
    (span) => observeDelivery(span, deliverer.deliver(d)),
    (r) => r.status,
  );
}

/**
 * A stored message's delivery on (re)connect, as a CHILD of the span that stored it (its inbox
 * entry's `traceparent`): the message's life stays one trace from enqueue to ack, whatever the time
 * in between (a link would start a second trace for the same message). Without a stored context it
 * is a root span.
 */
export function tracedInboxDelivery(
  traceparent: string | undefined,
  d: Delivery,
  deliverer: Deliver,
): DeliveryResult | Promise<DeliveryResult> {
  if (!tracingActive()) return deliverer.deliver(d);
  return traced(
    {
      name: 'edge deliver stored',
      kind: SpanKind.INTERNAL,
      parent: contextFromHeaders(traceparent ? { traceparent } : undefined),
      attributes: deliveryAttributes(d),
    },
    (span) => observeDelivery(span, deliverer.deliver(d)),
    (r) => r.status,
  );
}

function deliveryAttributes(d: Delivery) {
  return {
    ...messageAttributes(d.message.id, d),
    'pushwire.ack_required': d.message.ackRequired === true,
    ...(d.inboxed ? { 'pushwire.inboxed': true } : {}),
  };
}

/** Events on the span: the frame written (a result `delivered`, or a pending ack), then the ack's answer. */
function observeDelivery(
  span: Span | undefined,
  result: DeliveryResult | Promise<DeliveryResult>,
): DeliveryResult | Promise<DeliveryResult> {
  if (!span) return result;
  if (!(result instanceof Promise)) {
    if (result.status === 'delivered') span.addEvent('frame written');
    if (result.edgeId) span.setAttribute(TraceAttributes.edgeId, result.edgeId);
    return result;
  }
  span.addEvent('frame written');
  return result.then((r) => {
    span.addEvent(r.status === 'acknowledged' ? 'ack received' : r.status);
    if (r.edgeId) span.setAttribute(TraceAttributes.edgeId, r.edgeId);
    return r;
  });
}
