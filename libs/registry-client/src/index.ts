/**
 * @pushwire/registry-client — the registry's API as seen by edges and senders: the `RegistryClient`
 * interface, its HTTP implementation, and the route cache that senders and edges keep in front of it.
 */
export type { RegistryClient, RenewLeaseOptions } from './registry-client';
export { HttpRegistryClient, type HttpRegistryClientOptions } from './http-registry-client';
export { RouteCache, type RouteRefresh } from './route-cache';
export type { InboxClient } from './inbox-client';
export { HttpInboxClient, type HttpInboxClientOptions } from './http-inbox-client';
