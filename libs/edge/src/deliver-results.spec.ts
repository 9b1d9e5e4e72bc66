import fc from 'fast-check';
import { DELIVERY_STATUSES, Validators, type DeliveryResult } from '@pushwire/protocol';
import { deliveryBatchResultText } from './deliver-results';

// The spliced answer must be what JSON.stringify wrote before: the push client and the processor
// validate it against DeliveryBatchResult and match each result to its delivery.
const id = fc.stringMatching(/^[A-Za-z0-9._:@-]{1,64}$/);
/** A result as the Deliverer builds it: keys in its order, edgeId and retryAfterMs optional. */
const result: fc.Arbitrary<DeliveryResult> = fc
  .record(
    {
      accountId: id,
      deviceId: id,
      messageId: id,
      status: fc.constantFrom(...DELIVERY_STATUSES),
      edgeId: fc.stringMatching(/^[A-Za-z0-9._:@-]{1,32}$/),
      retryAfterMs: fc.integer({ min: 0, max: 2 ** 31 }),
    },
    { requiredKeys: ['accountId', 'deviceId', 'messageId', 'status'] },
  )
  .map(({ accountId, deviceId, messageId, status, edgeId, retryAfterMs }) => {
    const r: DeliveryResult = { accountId, deviceId, messageId, status };
    if (edgeId !== undefined) r.edgeId = edgeId;
    if (retryAfterMs !== undefined) r.retryAfterMs = retryAfterMs;
    return r;
  });

describe('deliveryBatchResultText', () => {
  it('is byte-identical to JSON.stringify({ results }) and valid against DeliveryBatchResult, for any results', () => {
    fc.assert(
      fc.property(fc.array(result, { maxLength: 20 }), (results) => {
        const text = deliveryBatchResultText(results);
        expect(text).toBe(JSON.stringify({ results }));
        expect(Validators.deliveryBatchResult.is(JSON.parse(text))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('falls back to JSON.stringify for an edge id JSON escapes or a retry delay that is no integer', () => {
    const base: DeliveryResult = { accountId: 'a1', deviceId: 'tv1', messageId: 'm1', status: 'backpressure' };
    for (const results of [
      [base, { ...base, edgeId: 'edge "1"\n' }],
      [{ ...base, edgeId: 'edge-1', retryAfterMs: 1.5 }],
      [{ ...base, edgeId: 'edge-1', retryAfterMs: Number.NaN }],
    ]) {
      expect(deliveryBatchResultText(results)).toBe(JSON.stringify({ results }));
    }
  });
});
