import type {
  DeregisterItem,
  DeregisterResponse,
  DeviceRef,
  LeaseResponse,
  LeaseStatus,
  LookupResponse,
  RegisterResponse,
  Registration,
} from '@pushwire/protocol';
import type { ServiceCallOptions } from '@pushwire/service-http';

/** Options of RegistryClient.renewLease: the call's deadline or signal, and the edge process's incarnation. */
export interface RenewLeaseOptions extends ServiceCallOptions {
  incarnation?: string;
}

/**
 * Where devices are connected: the registry's API as seen by edges and senders. A device is the pair
 * (accountId, deviceId) in every call: records, lookups and their answers all name the account.
 *
 * Two implementations: `HttpRegistryClient` (this package) talks to a registry service, and
 * `StoreRegistryClient` (@pushwire/registry) wraps a store in-process for the all-in-one. Failures
 * always reject with a `ServiceCallError` carrying the registry's error code; a failure is never
 * reported as a device being "missing". `opts` (a deadline, an AbortSignal) is per call; the
 * in-process client has no wire to wait on and ignores it.
 */
export interface RegistryClient {
  /** Writes these records; per device, `stale` when the registry already holds a newer connection. */
  register(registrations: Registration[], opts?: ServiceCallOptions): Promise<RegisterResponse['results']>;
  /** Removes records only where they still hold the given connection id (fencing). */
  deregister(items: DeregisterItem[], opts?: ServiceCallOptions): Promise<DeregisterResponse['results']>;
  /**
   * Live registrations of these devices, and the devices without one (`missing`). Expired records and
   * records of edges whose lease lapsed are never returned; nor is another account's device of the same id.
   */
  lookup(devices: DeviceRef[], opts?: ServiceCallOptions): Promise<LookupResponse>;
  /** Live registrations of every device of one account. */
  listByAccount(accountId: string, opts?: ServiceCallOptions): Promise<Registration[]>;
  /**
   * Creates or extends the edge's liveness lease. `renewed` is false when the lease was absent or had
   * lapsed: the edge must then register all its connections again. With `opts.incarnation` (random
   * per edge process), taking its own lapsed lease again keeps the epoch, so the process's earlier
   * records resolve again at once while it re-registers.
   */
  renewLease(edgeId: string, edgeUrl: string, ttlSeconds: number, opts?: RenewLeaseOptions): Promise<LeaseResponse>;
  /** Drops the edge's lease: its records stop resolving at once (used when an edge drains). */
  releaseLease(edgeId: string, opts?: ServiceCallOptions): Promise<void>;
  /**
   * Live leases of these edges, one per edge; an edge whose lease is absent or lapsed (its devices are
   * offline) is left out. `epoch` changes every time a lease is taken afresh, so a changed epoch means
   * the edge lost its earlier registrations even if it never looked absent.
   */
  leaseStatus(edgeIds: string[], opts?: ServiceCallOptions): Promise<LeaseStatus[]>;
  /** Releases connections or other resources held by the client. */
  close(): Promise<void>;
}
