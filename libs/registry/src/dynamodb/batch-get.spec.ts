import type { BatchGetItemCommandInput, KeysAndAttributes } from '@aws-sdk/client-dynamodb';
import { StoreUnavailableError } from '@pushwire/service-kit';
import { batchGetAll, type BatchGetSend, type UnprocessedKeysRetry } from './batch-get';
import type { Key } from './table-schema';

// DynamoDB Local never throttles, so what a throttled BatchGetItem answers (some keys back as
// UnprocessedKeys) is played here by a stand-in for the one request the reader sends.
const TABLE = 't';
const key = (n: number): Key => ({ pk: { S: `device#d${n}` } });
const itemOf = (k: Key) => ({ ...k, found: { BOOL: true } });

/** Answers each request with its keys, leaving the first `unprocessed(requestNo)` of them unprocessed. */
function throttled(unprocessed: (requestNo: number) => number) {
  const requests: BatchGetItemCommandInput[] = [];
  const send: BatchGetSend = async (input) => {
    requests.push(input);
    const keys = input.RequestItems?.[TABLE]?.Keys ?? [];
    const left = keys.slice(0, unprocessed(requests.length));
    const unprocessedKeys: Record<string, KeysAndAttributes> = left.length ? { [TABLE]: { Keys: left } } : {};
    return { Responses: { [TABLE]: keys.slice(left.length).map(itemOf) }, UnprocessedKeys: unprocessedKeys };
  };
  return { send, requests };
}

describe('batchGetAll', () => {
  const delays: number[] = [];
  const retry: UnprocessedKeysRetry = {
    maxAttempts: 4,
    baseDelayMs: 50,
    maxDelayMs: 1_000,
    random: () => 0.5,
    sleep: async (ms) => delays.push(ms),
  };
  beforeEach(() => delays.splice(0));

  it('reads 250 keys in consistent requests of at most 100 keys', async () => {
    const { send, requests } = throttled(() => 0);
    const keys = Array.from({ length: 250 }, (_, i) => key(i));
    const items = await batchGetAll(send, TABLE, keys, retry);
    expect(items).toHaveLength(250);
    expect(requests.map((r) => r.RequestItems?.[TABLE]?.Keys?.length)).toEqual([100, 100, 50]);
    expect(requests.every((r) => r.RequestItems?.[TABLE]?.ConsistentRead === true)).toBe(true);
  });

  it('asks again for the keys DynamoDB left unprocessed, backing off with jitter, and returns them all', async () => {
    const { send, requests } = throttled((n) => [3, 1, 0][n - 1] ?? 0);
    const items = await batchGetAll(send, TABLE, [key(1), key(2), key(3), key(4)], retry);
    expect(items.map((i) => i.pk?.S).sort()).toEqual(['device#d1', 'device#d2', 'device#d3', 'device#d4']);
    expect(requests.map((r) => r.RequestItems?.[TABLE]?.Keys?.length)).toEqual([4, 3, 1]);
    // Full jitter at random 0.5: half of 50 · 2^attempt.
    expect(delays).toEqual([25, 50]);
  });

  it('rejects with StoreUnavailableError, not a short answer, when keys stay unprocessed', async () => {
    const { send, requests } = throttled(() => 1);
    const failure = batchGetAll(send, TABLE, [key(1), key(2)], retry);
    await expect(failure).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(failure).rejects.toThrow('left 1 of 2 keys unprocessed after 4 attempts');
    expect(requests).toHaveLength(4);
  });
});
