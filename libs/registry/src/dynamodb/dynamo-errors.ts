import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { dynamoUnavailable, StoreUnavailableError } from '@pushwire/service-kit';
import type { Item } from './items';

/**
 * Runs one DynamoDB call and turns any failure into StoreUnavailableError (retriable as the SDK's
 * error says: throttling, 5xx, no answer), except a failed condition, which is an answer (stale,
 * not_current, lease taken), not a failure: it passes through.
 */
export async function guarded<T>(operation: string, table: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException || e instanceof StoreUnavailableError) throw e;
    throw dynamoUnavailable(operation, table, e);
  }
}

/** What a conditional write came to: done, or refused with the item that refused it (if any). */
export type ConditionalOutcome<T> = { ok: true; value: T } | { ok: false; current?: Item };

/**
 * Runs a conditional write (with ReturnValuesOnConditionCheckFailure=ALL_OLD) and reports a failed
 * condition as `{ ok: false, current }` instead of throwing.
 */
export async function conditional<T>(operation: string, table: string, call: () => Promise<T>): Promise<ConditionalOutcome<T>> {
  try {
    return { ok: true, value: await guarded(operation, table, call) };
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) return { ok: false, current: e.Item };
    throw e;
  }
}
