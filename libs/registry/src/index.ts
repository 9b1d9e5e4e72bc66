/**
 * @pushwire/registry — "where is device X connected?": the RegistryStore port with its in-memory
 * adapter, an in-process RegistryClient over a store, and the registry's HTTP app.
 */
export type { RegistryStore, RegisterResult, DeregisterResult, Clock } from './registry-store';
export { StoreUnavailableError } from './errors';
export { MemoryRegistryStore, type MemoryRegistryStoreOptions } from './memory-registry-store';
export { StoreRegistryClient, type StoreRegistryClientOptions } from './store-registry-client';
export { buildRegistryApp, type RegistryAppOptions } from './http/registry-app';
