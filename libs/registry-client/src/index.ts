/**
 * @pushwire/registry-client — the registry's API as seen by edges and senders: the `RegistryClient`
 * interface and its HTTP implementation.
 */
export type { RegistryClient } from './registry-client';
export { HttpRegistryClient, type HttpRegistryClientOptions } from './http-registry-client';
