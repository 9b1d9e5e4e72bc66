import type { DeviceRecord, DeviceStateChange } from './device-record';

/** What applying one change did. `previous` is the state it replaced (absent for a new device). */
export type ApplyResult =
  | { applied: true; record: DeviceRecord; previous: DeviceRecord | undefined }
  /** Not newer than the stored state (see `isNewer`): nothing changed. */
  | { applied: false; current: DeviceRecord };

/** An edge the device list has seen devices on: swept for a lapsed lease until forgotten. */
export interface KnownEdge {
  edgeId: string;
  edgeUrl: string;
}

/**
 * Per-account device lists (docs/architecture.md, Flows: "Device list"). Every write is conditional on `isNewer`, so
 * concurrent writers (two device-list replicas during a rebalance) and stale events cannot flip a
 * newer state. Failures reject with StoreUnavailableError (never a silent "not found").
 */
export interface DeviceListStore {
  /** Applies the change if it is newer than the stored state of its device. */
  apply(change: DeviceStateChange): Promise<ApplyResult>;
  /** The account's online devices, oldest connection first. */
  listOnline(accountId: string): Promise<DeviceRecord[]>;
  /** Online devices whose current connection is on this edge (for lease-lapse sweeps). */
  onlineOnEdge(edgeId: string): Promise<DeviceRecord[]>;
  /** Remembers an edge that has (or had) online devices. Idempotent. */
  rememberEdge(edge: KnownEdge): Promise<void>;
  /** Every remembered edge. */
  knownEdges(): Promise<KnownEdge[]>;
  /** Forgets an edge (after its devices were all marked offline). */
  forgetEdge(edgeId: string): Promise<void>;
  close(): Promise<void>;
}
