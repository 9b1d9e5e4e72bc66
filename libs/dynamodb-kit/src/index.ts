/**
 * @pushwire/dynamodb-kit — what the services that keep state in DynamoDB (registry, device list)
 * share about it: a client with a bounded failure budget, one way to turn a failed request into
 * StoreUnavailableError, and opening a store for a service's main.
 */
export { createDynamoClient } from './dynamo-client';
export { sendOrUnavailable } from './send-or-unavailable';
export { openDynamoStore, type DynamoStoreSettings, type OpenedStore } from './open-dynamo-store';
export { createTable, describeTable, ensureTimeToLive, waitUntilActive } from './table-setup';
