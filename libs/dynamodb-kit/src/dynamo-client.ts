import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';

/**
 * A DynamoDB client with the services' failure budget (the registry's and the device list's): the
 * SDK's defaults would let one request to an unreachable endpoint hang for minutes, while a lookup
 * is worth little after a few seconds (senders retry, and the HTTP layer answers 503
 * store_unavailable at once). Each attempt gets
 * 1 s to connect and 3 s to answer (`throwOnRequestTimeout`, else the SDK only warns), 3 attempts
 * in all. Anything in `config` wins, e.g. `endpoint` for DynamoDB Local or a tighter `maxAttempts`.
 */
export function createDynamoClient(config: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient({
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000, throwOnRequestTimeout: true },
    ...config,
  });
}
