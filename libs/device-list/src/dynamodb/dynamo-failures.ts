import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { StoreUnavailableError } from '../errors';

/** A StoreUnavailableError naming the DynamoDB operation, the table and what went wrong (a refused connection has no message, only a code). */
export function dynamoUnavailable(operation: string, table: string, cause: unknown): StoreUnavailableError {
  let what = String(cause);
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    const label = typeof code === 'string' && code !== cause.name ? `${cause.name} ${code}` : cause.name;
    what = cause.message ? `${label}: ${cause.message}` : label;
  }
  return new StoreUnavailableError(`dynamodb ${operation} on table ${table} failed: ${what}`, { cause });
}

/**
 * Sends one DynamoDB request; any failure becomes StoreUnavailableError, except a failed condition,
 * which is an answer (the stored state is newer) and is rethrown as is.
 */
export async function sendOrUnavailable<T>(operation: string, table: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException || e instanceof StoreUnavailableError) throw e;
    throw dynamoUnavailable(operation, table, e);
  }
}
