import { setTimeout as sleep } from 'node:timers/promises';
import type { BatchGetItemCommandInput, BatchGetItemCommandOutput } from '@aws-sdk/client-dynamodb';
import { fullJitterDelay } from '@pushwire/backoff';
import { StoreUnavailableError } from '@pushwire/service-kit';
import type { Item } from './items';
import { mapLimit } from './map-limit';
import type { Key } from './table-schema';

/** DynamoDB's limit of keys per BatchGetItem request. */
export const BATCH_GET_MAX_KEYS = 100;

/** How BatchGetItem's unprocessed keys (throttling, 16 MB responses) are retried. */
export interface UnprocessedKeysRetry {
  /** Requests per chunk, the first included, before giving up. */
  readonly maxAttempts: number;
  /** Full-jitter exponential backoff between requests: base and cap in ms. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Randomness in [0, 1) for the jitter. */
  readonly random: () => number;
  /** Waits `ms`. Default: a real timer. */
  readonly sleep?: (ms: number) => Promise<unknown>;
}

/** Sends one BatchGetItem request; the only part of the client a batch read needs. */
export type BatchGetSend = (input: BatchGetItemCommandInput) => Promise<Pick<BatchGetItemCommandOutput, 'Responses' | 'UnprocessedKeys'>>;

/**
 * Reads `keys` (distinct: DynamoDB rejects a request with duplicates) from `table` with strongly
 * consistent reads, in chunks of 100 sent `concurrency` at a time. Keys DynamoDB leaves unprocessed
 * are asked for again after a jittered backoff; still unprocessed after `maxAttempts` requests, the
 * read rejects with StoreUnavailableError rather than answering as if the items did not exist.
 * Items come back in no particular order; absent keys are simply missing.
 */
export async function batchGetAll(
  send: BatchGetSend,
  table: string,
  keys: readonly Key[],
  retry: UnprocessedKeysRetry,
  concurrency = 4,
): Promise<Item[]> {
  const chunks: Key[][] = [];
  for (let i = 0; i < keys.length; i += BATCH_GET_MAX_KEYS) chunks.push(keys.slice(i, i + BATCH_GET_MAX_KEYS));
  const results = await mapLimit(chunks, concurrency, (chunk) => getChunk(send, table, chunk, retry));
  return results.flat();
}

async function getChunk(send: BatchGetSend, table: string, chunk: Key[], retry: UnprocessedKeysRetry): Promise<Item[]> {
  const found: Item[] = [];
  let pending = chunk;
  for (let attempt = 1; ; attempt++) {
    const out = await send({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } });
    found.push(...(out.Responses?.[table] ?? []));
    pending = out.UnprocessedKeys?.[table]?.Keys ?? [];
    if (pending.length === 0) return found;
    if (attempt >= retry.maxAttempts) {
      throw new StoreUnavailableError(
        `dynamodb BatchGetItem on table ${table} left ${pending.length} of ${chunk.length} keys unprocessed after ${attempt} attempts (throttled)`,
      );
    }
    await (retry.sleep ?? sleep)(fullJitterDelay(attempt - 1, retry.baseDelayMs, retry.maxDelayMs, retry.random));
  }
}
