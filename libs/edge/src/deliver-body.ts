import { ProtocolValidationError, Validators, type Delivery, type DeliveryBatch, type DeliveryResult } from '@pushwire/protocol';
import type { Deliverer } from './delivery';
import type { Context } from '@pushwire/service-kit';
import { tracedDelivery } from './delivery-tracing';

/**
 * Decodes a `POST /v1/deliver` body in one pass over it: JSON.parse, then ONE compiled check of the
 * form the body claims to be (a batch: every delivery's fields, ids and sizes, and every payload's
 * depth, in that one check) — nothing is validated again per delivery. No whole-body depth walk
 * first: the strict schema refuses an unexpected nested value at its own level, and the only
 * free-form values, the payloads, are held to MAX_PAYLOAD_DEPTH by the check itself. Throws
 * ProtocolValidationError (the port answers 400 `invalid_request` naming the field, the batch refused
 * before any of it is delivered).
 */
export function decodeDeliverBody(text: string): Delivery | DeliveryBatch {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new ProtocolValidationError('invalid_json', `body is not valid JSON: ${(e as Error).message}`, [], { cause: e });
  }
  // Validate against the one form the body claims to be, so errors name the real field.
  return typeof body === 'object' && body !== null && 'deliveries' in body
    ? Validators.deliveryBatch.decode(body)
    : Validators.delivery.decode(body);
}

/**
 * Delivers a batch in order. Plain pushes are written synchronously, so a batch without acks is
 * answered at once with the results array; only one that waits for device acks becomes a promise.
 * With tracing on, each delivery is a span, child of the request's `trace`.
 */
export function deliverAll(
  deliverer: Pick<Deliverer, 'deliver'>,
  deliveries: readonly Delivery[],
  trace?: Context,
): DeliveryResult[] | Promise<DeliveryResult[]> {
  const results: (DeliveryResult | Promise<DeliveryResult>)[] = new Array(deliveries.length);
  let waiting = false;
  for (let i = 0; i < deliveries.length; i++) {
    const r = tracedDelivery(trace, deliveries[i]!, deliverer);
    if (r instanceof Promise) waiting = true;
    results[i] = r;
  }
  return waiting ? Promise.all(results) : (results as DeliveryResult[]);
}
