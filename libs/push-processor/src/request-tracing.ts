import { contextFromHeaders, messageAttributes, SpanKind, traced, tracingActive } from '@pushwire/service-kit';
import type { PlannedRequest } from './batch-plan';
import type { Handled } from './request-lifecycle';

/**
 * Handling one push request as a span `process push request`, child of the enqueue's span (the W3C
 * context the push client put in the Kafka record's headers): its registry lookup, edge delivery and
 * inbox store run inside it, so their services' spans join the sender's trace. `pushwire.status` is
 * the final outcome written with the batch, `stored` when the message went to the inbox (its final
 * outcome comes later, from the edge or the expiry sweep). With tracing off it is `handle()`.
 */
export function traceRequest(planned: PlannedRequest, handle: () => Promise<Handled>): Promise<Handled> {
  // Tracing off: not even the parent context and attributes, which cost per message.
  if (!tracingActive()) return handle();
  return traced(
    {
      name: 'process push request',
      kind: SpanKind.CONSUMER,
      parent: contextFromHeaders(planned.record.headers),
      attributes: messageAttributes(planned.request.message.id, planned.request.target),
    },
    handle,
    (h) => h.outcomes[0]?.status ?? 'stored',
  ) as Promise<Handled>;
}
