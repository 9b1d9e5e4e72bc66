/**
 * @pushwire/registry — "where is device X connected?": the RegistryStore port with its in-memory
 * and DynamoDB adapters, an in-process RegistryClient over a store, and the registry's HTTP app;
 * and the per-device inbox the registry serves: the InboxStore port, its adapters and client.
 */
export type { RegistryStore, RegisterResult, DeregisterResult, Clock } from './registry-store';
export { StoreUnavailableError } from '@pushwire/service-kit';
export { MemoryRegistryStore, type MemoryRegistryStoreOptions } from './memory-registry-store';
export { DynamoRegistryStore, type DynamoRegistryStoreOptions } from './dynamodb/dynamo-registry-store';
export { ensureRegistryTables, type RegistryTableNames, type EnsureRegistryTablesOptions } from './dynamodb/ensure-registry-tables';
export { DEFAULT_REGISTRY_TABLE, deviceKey } from './dynamodb/table-schema';
export { StoreRegistryClient, type StoreRegistryClientOptions } from './store-registry-client';
export { buildRegistryApp, REGISTRY, DEFAULT_INBOX_STORE_BODY_LIMIT_BYTES, type RegistryAppOptions } from './http/registry-app';
export { EdgeHostAllowList } from './http/edge-hosts';
export type { InboxStore, InboxStoreOptions } from './inbox/inbox-store';
export { MemoryInboxStore, type MemoryInboxStoreOptions } from './inbox/memory-inbox-store';
export { DynamoInboxStore, type DynamoInboxStoreOptions } from './inbox/dynamodb/dynamo-inbox-store';
export { ensureInboxTable, DEFAULT_INBOX_TABLE } from './inbox/dynamodb/inbox-table';
export { inboxLimitsConfigSpec } from './inbox/inbox-config';
export { journaledInbox } from './inbox/journaled-inbox';
export { StoreInboxClient, type StoreInboxClientOptions } from './inbox/store-inbox-client';
