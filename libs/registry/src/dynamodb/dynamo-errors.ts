import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { StoreUnavailableError } from '../errors';
import type { Item } from './items';

/** `Name CODE: message` of a failure, for error messages (a refused connection has an empty message). */
export function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const code = (cause as { code?: unknown }).code;
  const parts = [cause.name, typeof code === 'string' ? code : undefined].filter(Boolean).join(' ');
  return cause.message ? `${parts}: ${cause.message}` : parts;
}

/** The StoreUnavailableError for a failed DynamoDB call, naming the operation and table. */
export function storeUnavailable(operation: string, table: string, cause: unknown): StoreUnavailableError {
  return new StoreUnavailableError(`dynamodb ${operation} on table ${table} failed: ${describeCause(cause)}`, { cause });
}

/**
 * Runs one DynamoDB call and turns any failure into StoreUnavailableError, except a failed
 * condition, which is an answer (stale, not_current, lease taken), not a failure: it passes through.
 */
export async function guarded<T>(operation: string, table: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException || e instanceof StoreUnavailableError) throw e;
    throw storeUnavailable(operation, table, e);
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
