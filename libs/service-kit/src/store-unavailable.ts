import { PushwireError, type PushwireErrorOptions } from '@pushwire/protocol';
import { awsRetriable, describeFailure } from './aws-failure';

/**
 * The backing store failed (timeout, throttling, refused connection, a closed store): HTTP layers
 * answer 503 `store_unavailable`, because a failing store is never "not found". Retriable unless
 * the store's own answer says a later try cannot pass (a missing table, a refused permission).
 * One class for every store (registry, device list), so a caller of either catches one type.
 */
export class StoreUnavailableError extends PushwireError<'store_unavailable'> {
  override readonly name = 'StoreUnavailableError';
  constructor(message: string, options?: PushwireErrorOptions) {
    super('store_unavailable', message, options);
  }
}

/**
 * The StoreUnavailableError for a failed DynamoDB call, naming the operation, the table and what
 * went wrong; `retriable` as the AWS SDK's error says (throttling, 5xx, no answer), the error as cause.
 */
export function dynamoUnavailable(operation: string, table: string, cause: unknown): StoreUnavailableError {
  return new StoreUnavailableError(`dynamodb ${operation} on table ${table} failed: ${describeFailure(cause)}`, {
    cause,
    retriable: awsRetriable(cause),
  });
}
