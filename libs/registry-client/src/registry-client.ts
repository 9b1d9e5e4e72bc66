import type {
  DeregisterItem,
  DeregisterResponse,
  LeaseResponse,
  LeaseStatus,
  LookupResponse,
  RegisterResponse,
  Registration,
} from '@pushwire/protocol';

/**
 * Where devices are connected: the registry's API as seen by edges and senders.
 *
 * Two implementations: `HttpRegistryClient` (this package) talks to a registry service, and
 * `StoreRegistryClient` (@pushwire/registry) wraps a store in-process for the all-in-one. Failures
 * always reject (with a `ServiceCallError` for the HTTP client); a failure is never reported as a
 * device being "missing".
 */
export interface RegistryClient {
  /** Writes these records; per device, `stale` when the registry already holds a newer connection. */
  register(registrations: Registration[]): Promise<RegisterResponse['results']>;
  /** Removes records only where they still hold the given connection id (fencing). */
  deregister(items: DeregisterItem[]): Promise<DeregisterResponse['results']>;
  /** Live registrations for these ids (expired records and records of edges whose lease lapsed are never returned). */
  lookup(deviceIds: string[]): Promise<LookupResponse>;
  /** Live registrations of every device of one account. */
  listByAccount(accountId: string): Promise<Registration[]>;
  /**
   * Creates or extends the edge's liveness lease. `renewed` is false when the lease was absent or had
   * lapsed: the edge must then register all its connections again.
   */
  renewLease(edgeId: string, edgeUrl: string, ttlSeconds: number): Promise<LeaseResponse>;
  /** Drops the edge's lease: its records stop resolving at once (used when an edge drains). */
  releaseLease(edgeId: string): Promise<void>;
  /**
   * Live leases of these edges, one per edge; an edge whose lease is absent or lapsed (its devices are
   * offline) is left out. `epoch` changes every time a lease is taken afresh, so a changed epoch means
   * the edge lost its earlier registrations even if it never looked absent.
   */
  leaseStatus(edgeIds: string[]): Promise<LeaseStatus[]>;
  /** Releases connections or other resources held by the client. */
  close(): Promise<void>;
}
