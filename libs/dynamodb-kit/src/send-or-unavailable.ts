import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { dynamoUnavailable, StoreUnavailableError } from '@pushwire/service-kit';

/**
 * Sends one DynamoDB request; any failure becomes StoreUnavailableError (retriable as the SDK's
 * error says: throttling, 5xx, no answer), except a failed condition, which is an answer (the
 * stored state is newer, a lease is taken), not a failure: it is rethrown as is.
 */
export async function sendOrUnavailable<T>(operation: string, table: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException || e instanceof StoreUnavailableError) throw e;
    throw dynamoUnavailable(operation, table, e);
  }
}
