/**
 * Deepest nesting of arrays and objects in any JSON document a Pushwire process reads: device
 * frames, HTTP bodies, Kafka records. JSON.parse is iterative in V8, but JSON.stringify, schema
 * validators and every recursive walk are not: a 20 KB body nested 10,000 deep overflows the stack
 * wherever such a value is encoded again. Real documents are a few levels deep.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Deepest nesting of an application payload (a push or device-to-device message): half the document
 * limit. Pushwire wraps a payload in at most four levels of its own (a delivery batch: body →
 * deliveries → delivery → message), so a payload accepted at one door fits every envelope it later
 * travels in, and one sender's payload can never make a batch shared with others too deep.
 */
export const MAX_PAYLOAD_DEPTH = MAX_JSON_DEPTH / 2;

/**
 * Whether `value` nests arrays and objects more than `limit` levels deep (`1` is 0 levels, `[]` one,
 * `{"a":[1]}` two). Walks with an explicit stack, so no input can overflow the call stack, and stops
 * at the first value past the limit: a cycle (possible only in values that did not come from JSON)
 * counts as too deep.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const values: object[] = [value];
  const depths: number[] = [1];
  while (values.length > 0) {
    const current = values.pop()!;
    const depth = depths.pop()!;
    if (depth > limit) return true;
    const children = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) {
      if (typeof child === 'object' && child !== null) {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}
