import { MAX_PAYLOAD_DEPTH, nestsDeeperThan } from '../json-depth';
import type { Refinement } from '../validation-error';

/** Where a payload sits in a message, as a JSON pointer, and the payload. */
export type PayloadAt = readonly [path: string, payload: unknown];

/** What a payload nested too deep is told, at its path. */
const TOO_DEEP = `nests arrays and objects deeper than ${MAX_PAYLOAD_DEPTH} levels`;

/**
 * A refinement for a schema that carries payloads: each payload `payloadsOf` names nests at most
 * MAX_PAYLOAD_DEPTH levels (the schema itself cannot say so: a payload is any JSON value).
 */
export function payloadsWithinDepth<T>(payloadsOf: (value: T) => Iterable<PayloadAt>): Refinement<T> {
  return (value) => {
    for (const [path, payload] of payloadsOf(value)) {
      if (nestsDeeperThan(payload, MAX_PAYLOAD_DEPTH)) return { path, message: TOO_DEEP };
    }
    return undefined;
  };
}

/**
 * payloadsWithinDepth for a body with a list of items (a delivery batch: up to 1,000 deliveries):
 * the same check, without a path string and a pair allocated per item — the path of item `i` is
 * written only for the one that fails.
 */
export function itemPayloadsWithinDepth<T, I>(
  itemsOf: (value: T) => readonly I[],
  payloadOf: (item: I) => unknown,
  pathOf: (index: number) => string,
): Refinement<T> {
  return (value) => {
    const items = itemsOf(value);
    for (let i = 0; i < items.length; i++) {
      if (nestsDeeperThan(payloadOf(items[i]!), MAX_PAYLOAD_DEPTH)) return { path: pathOf(i), message: TOO_DEEP };
    }
    return undefined;
  };
}
