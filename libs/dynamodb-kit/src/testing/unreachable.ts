import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { unusedUrl } from '@pushwire/service-http/testing';
import { StoreUnavailableError } from '@pushwire/service-kit';

/**
 * Client settings for a DynamoDB that cannot be reached: an endpoint on a port that was free a
 * moment ago, so nothing listens there, and `maxAttempts` quick tries before giving up.
 */
export async function unreachableDynamo(maxAttempts: number): Promise<DynamoDBClientConfig> {
  return {
    endpoint: await unusedUrl(),
    region: 'us-east-1',
    maxAttempts,
    credentials: { accessKeyId: 'pushwire', secretAccessKey: 'pushwire' },
  };
}

/**
 * Makes each call and expects it rejected with StoreUnavailableError naming its DynamoDB operation
 * and `table`: a store on an unreachable DynamoDB fails every operation as unavailable, never as
 * "not found" or an untranslated SDK error.
 */
export async function expectEachUnavailable(
  table: string,
  calls: readonly [operation: string, call: () => Promise<unknown>][],
): Promise<void> {
  for (const [operation, call] of calls) {
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toContain(`dynamodb ${operation} on table ${table} failed`);
  }
}
