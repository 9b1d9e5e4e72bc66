import type { DeliveryResult } from '@pushwire/protocol';

/**
 * The JSON text of a batch answer `{results}`, spliced from parts: a batch of 500 is answered
 * without JSON.stringify walking 500 objects. For results as the Deliverer builds them (keys
 * accountId, deviceId, messageId, status, edgeId?, retryAfterMs?, in that order) it is byte for byte
 * `JSON.stringify({ results })`; only those keys are written (the schema allows no other). The ids
 * are written as they are, unescaped: each came through the protocol's schema (ID_PATTERN: letters,
 * digits and `._:@-`, nothing JSON escapes) — the accountId, deviceId and message id of a validated
 * delivery — and the edge's own id is checked here (once per id). A result whose edge id or retry
 * delay would not be written the same makes the whole answer fall back to JSON.stringify.
 * deliver-results.spec.ts holds it to JSON.stringify and to the DeliveryBatchResult schema.
 */
export function deliveryBatchResultText(results: readonly DeliveryResult[]): string {
  let text = '{"results":[';
  for (let i = 0; i < results.length; i++) {
    const r = results[i]!;
    if (!plainShape(r)) return JSON.stringify({ results });
    if (i > 0) text += ',';
    text += `{"accountId":"${r.accountId}","deviceId":"${r.deviceId}","messageId":"${r.messageId}","status":"${r.status}"`;
    if (r.edgeId !== undefined) text += `,"edgeId":"${r.edgeId}"`;
    if (r.retryAfterMs !== undefined) text += `,"retryAfterMs":${r.retryAfterMs}`;
    text += '}';
  }
  return text + ']}';
}

// The last edge id found plain: an edge answers with one id, so this is one comparison per result.
let plainEdgeId: string | undefined;

/** ID_PATTERN's characters: none of them is escaped by JSON.stringify. */
const PLAIN_ID = /^[A-Za-z0-9._:@-]+$/;

/**
 * Whether `r` is written the same spliced as by JSON.stringify: its edge id plain and its retry
 * delay a safe integer. The request ids are not re-tested: the batch they came in was validated.
 */
function plainShape(r: DeliveryResult): boolean {
  if (r.edgeId !== undefined && r.edgeId !== plainEdgeId) {
    if (!PLAIN_ID.test(r.edgeId)) return false;
    plainEdgeId = r.edgeId;
  }
  if (r.retryAfterMs !== undefined && !Number.isSafeInteger(r.retryAfterMs)) return false;
  return true;
}
