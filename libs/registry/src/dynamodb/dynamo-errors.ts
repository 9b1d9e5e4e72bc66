import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { sendOrUnavailable } from '@pushwire/dynamodb-kit';
import type { Item } from './items';

/** What a conditional write came to: done, or refused with the item that refused it (if any). */
export type ConditionalOutcome<T> = { ok: true; value: T } | { ok: false; current?: Item };

/**
 * Runs a conditional write (with ReturnValuesOnConditionCheckFailure=ALL_OLD) and reports a failed
 * condition as `{ ok: false, current }` instead of throwing.
 */
export async function conditional<T>(operation: string, table: string, call: () => Promise<T>): Promise<ConditionalOutcome<T>> {
  try {
    return { ok: true, value: await sendOrUnavailable(operation, table, call) };
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) return { ok: false, current: e.Item };
    throw e;
  }
}
