import type {
  DeregisterItem,
  DeregisterOutcome,
  DeviceRef,
  LeaseResponse,
  LeaseStatus,
  RegisterOutcome,
  Registration,
} from '@pushwire/protocol';

/** Outcome of registering one device, in the order of the request. */
export interface RegisterResult {
  accountId: string;
  deviceId: string;
  outcome: RegisterOutcome;
}

/** Outcome of deregistering one device, in the order of the request. */
export interface DeregisterResult {
  accountId: string;
  deviceId: string;
  outcome: DeregisterOutcome;
}

/** Injectable clock in epoch milliseconds, so tests (and the shared contract) control time. */
export type Clock = () => number;

/**
 * Where devices are connected: one record per device — the pair (accountId, deviceId), never the
 * device id alone: two accounts' devices of the same id are two records that never see each other —
 * plus one liveness lease per edge.
 *
 * Liveness. A record is live iff its `expiresAt` (epoch seconds) is after now AND the lease of its
 * `edgeId` is live (lease `expiresAt`, epoch seconds, after now) AND the record was written while
 * that same lease was held. The last rule means a lease that lapsed and was taken again
 * (`renewed: false`) does not resurrect records written before the lapse: the edge re-registers the
 * connections it really holds, and a restarted edge with the same id never routes to sockets it lost.
 * The one exception is the same edge process (same `incarnation`) taking its own lapsed lease again:
 * it keeps the epoch, because that process still holds those sockets (see renewLease).
 * Consequently an edge takes its lease before registering connections. Reads never return a record
 * that is not live, whether or not the store has physically removed it yet (DynamoDB deletes expired
 * items lazily).
 *
 * Ordering and fencing. A register never overwrites a live record with a greater `connectedAt` (a
 * late register of an older connection answers `stale`); a deregister removes a record only while it
 * holds the given `connectionId` (`not_current` otherwise). A conditional-write store does both
 * with condition expressions; for a record whose edge lease lapsed it reads the lease and retries
 * the write conditioned on the old `connectionId`.
 *
 * Failures. Every method rejects with `StoreUnavailableError` when the backing store fails, never
 * with an empty answer. Ids are assumed valid (callers validate with the protocol schemas).
 */
export interface RegistryStore {
  /** Writes each record unless the stored live record of that device has a greater `connectedAt` (`stale`). Re-registering the same connection is idempotent. */
  register(registrations: Registration[]): Promise<RegisterResult[]>;
  /** Removes each device's record if it holds the given connection id; otherwise `not_current`. */
  deregister(items: DeregisterItem[]): Promise<DeregisterResult[]>;
  /** Live records of these devices, in no particular order; devices without a live record are absent. */
  lookup(devices: DeviceRef[]): Promise<Registration[]>;
  /** Live records of every device of one account. */
  listByAccount(accountId: string): Promise<Registration[]>;
  /**
   * Creates or extends the edge's lease to now + `ttlSeconds`. `renewed` is true only when a live
   * lease was extended; false when it was absent or had lapsed (the edge must register again).
   * `incarnation` (random per edge process) is stored with the lease: when the lapsed lease is taken
   * again by the incarnation that held it, it keeps its epoch — the process still holds the
   * connections it registered, so their records resolve again at once (a store outage no longer
   * hides live devices until the edge has re-registered them all). Any other taker, or one without an
   * incarnation, gets a new epoch.
   */
  renewLease(edgeId: string, edgeUrl: string, ttlSeconds: number, incarnation?: string): Promise<LeaseResponse>;
  /** Ends the edge's lease now: its records stop resolving at once. Idempotent. */
  releaseLease(edgeId: string): Promise<void>;
  /**
   * Live leases of these edges, in no particular order, one per edge; edges whose lease is absent or
   * lapsed (by the same rule as lookups) are left out. `epoch` stays the same while a lease is
   * renewed (or re-taken by the same incarnation) and changes every time it is taken afresh, i.e.
   * whenever the edge's earlier records died.
   */
  readLeases(edgeIds: string[]): Promise<LeaseStatus[]>;
  /** Stops background work and releases connections; later calls reject with StoreUnavailableError. */
  close(): Promise<void>;
}
