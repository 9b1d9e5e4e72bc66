import {
  deviceRefKey,
  type DeregisterItem,
  type DeviceRef,
  type Lease,
  type LeaseResponse,
  type LeaseStatus,
  type Registration,
} from '@pushwire/protocol';
import { StoreUnavailableError } from '@pushwire/service-kit';
import type { Clock, DeregisterResult, RegisterResult, RegistryStore } from './registry-store';
import { startSweep } from './sweep-timer';

/** Options of MemoryRegistryStore. */
export interface MemoryRegistryStoreOptions {
  /** Clock in epoch milliseconds. Default `Date.now`. */
  now?: Clock;
  /** How often dead records and lapsed leases are swept away. Default 60 000 ms; 0 disables the sweep. */
  sweepIntervalMs?: number;
}

interface Entry {
  readonly registration: Registration;
  /** Epoch of the edge's lease when the record was written; 0 when the edge held no live lease. */
  readonly leaseEpoch: number;
}

interface HeldLease {
  readonly lease: Lease;
  /** Changes every time the lease is taken afresh, so records of an earlier lease stay dead. */
  readonly epoch: number;
  /** The edge process that last took or renewed it, when it said. */
  readonly incarnation: string | undefined;
}

/**
 * RegistryStore in process memory, for the all-in-one and for tests. Every operation is O(1) per
 * device (O(devices of the account) for listByAccount). Dead records are dropped when touched and by
 * a periodic, unref'd sweep, so memory follows the number of live connections.
 */
export class MemoryRegistryStore implements RegistryStore {
  /** deviceRefKey (account and device) → record: a device id alone never finds a record. */
  private readonly records = new Map<string, Entry>();
  /** Account → the device ids (of that account) it has records for. */
  private readonly byAccount = new Map<string, Set<string>>();
  private readonly leases = new Map<string, HeldLease>();
  private readonly now: Clock;
  private readonly sweepTimer?: NodeJS.Timeout;
  private lastEpoch = 0;
  private closed = false;

  constructor(opts: MemoryRegistryStoreOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.sweepTimer = startSweep(opts.sweepIntervalMs, () => this.sweep());
  }

  /** Records held, including dead ones not yet swept. */
  get size(): number {
    return this.records.size;
  }

  async register(registrations: Registration[]): Promise<RegisterResult[]> {
    this.assertOpen();
    const nowMs = this.now();
    return registrations.map((registration) => {
      const { accountId, deviceId } = registration;
      const key = deviceRefKey(registration);
      const existing = this.records.get(key);
      if (existing && this.isLive(existing, nowMs) && existing.registration.connectedAt > registration.connectedAt) {
        return { accountId, deviceId, outcome: 'stale' };
      }
      if (existing) this.remove(existing.registration);
      const held = this.liveLease(registration.edgeId, nowMs);
      this.records.set(key, { registration: { ...registration }, leaseEpoch: held?.epoch ?? 0 });
      let devices = this.byAccount.get(accountId);
      if (!devices) this.byAccount.set(accountId, (devices = new Set()));
      devices.add(deviceId);
      return { accountId, deviceId, outcome: 'registered' };
    });
  }

  async deregister(items: DeregisterItem[]): Promise<DeregisterResult[]> {
    this.assertOpen();
    const nowMs = this.now();
    return items.map(({ accountId, deviceId, connectionId }) => {
      const existing = this.records.get(deviceRefKey({ accountId, deviceId }));
      if (existing?.registration.connectionId === connectionId) {
        this.remove(existing.registration);
        return { accountId, deviceId, outcome: 'deregistered' };
      }
      if (existing && this.isGone(existing, nowMs)) this.remove(existing.registration);
      return { accountId, deviceId, outcome: 'not_current' };
    });
  }

  async lookup(devices: DeviceRef[]): Promise<Registration[]> {
    this.assertOpen();
    return this.liveRegistrations(new Set(devices.map(deviceRefKey)));
  }

  async listByAccount(accountId: string): Promise<Registration[]> {
    this.assertOpen();
    return this.liveRegistrations([...(this.byAccount.get(accountId) ?? [])].map((deviceId) => deviceRefKey({ accountId, deviceId })));
  }

  async renewLease(edgeId: string, edgeUrl: string, ttlSeconds: number, incarnation?: string): Promise<LeaseResponse> {
    this.assertOpen();
    const nowMs = this.now();
    const current = this.liveLease(edgeId, nowMs);
    // A lapsed lease not yet swept, taken again by the process that held it: its records are still true.
    const lapsed = this.leases.get(edgeId);
    const sameProcess = incarnation !== undefined && lapsed?.incarnation === incarnation;
    const epoch = current?.epoch ?? (sameProcess ? lapsed.epoch : ++this.lastEpoch);
    const lease: Lease = { edgeId, edgeUrl, expiresAt: Math.floor(nowMs / 1000) + ttlSeconds };
    this.leases.set(edgeId, { lease, epoch, incarnation });
    return { lease: { ...lease }, renewed: current !== undefined };
  }

  async releaseLease(edgeId: string): Promise<void> {
    this.assertOpen();
    this.leases.delete(edgeId);
  }

  async readLeases(edgeIds: string[]): Promise<LeaseStatus[]> {
    this.assertOpen();
    const nowMs = this.now();
    const found: LeaseStatus[] = [];
    for (const edgeId of new Set(edgeIds)) {
      const held = this.liveLease(edgeId, nowMs);
      if (held) found.push({ ...held.lease, epoch: String(held.epoch) });
    }
    return found;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.records.clear();
    this.byAccount.clear();
    this.leases.clear();
  }

  /** Drops every dead record and lapsed lease now; returns how many records it dropped. */
  sweep(): number {
    const nowMs = this.now();
    let dropped = 0;
    for (const entry of this.records.values()) {
      if (!this.isLive(entry, nowMs)) {
        this.remove(entry.registration);
        dropped++;
      }
    }
    // After the records: a lapsed lease still tells which records died with it until they are gone.
    for (const [edgeId, held] of this.leases) {
      if (held.lease.expiresAt * 1000 <= nowMs) this.leases.delete(edgeId);
    }
    return dropped;
  }

  /** Copies of the live registrations under `keys` (deviceRefKey), in their order; unknown and dead ones (dropped on the way) left out. */
  private liveRegistrations(keys: Iterable<string>): Registration[] {
    const nowMs = this.now();
    const found: Registration[] = [];
    for (const key of keys) {
      const entry = this.liveEntry(key, nowMs);
      if (entry) found.push({ ...entry.registration });
    }
    return found;
  }

  private liveEntry(key: string, nowMs: number): Entry | undefined {
    const entry = this.records.get(key);
    if (!entry) return undefined;
    if (this.isLive(entry, nowMs)) return entry;
    if (this.isGone(entry, nowMs)) this.remove(entry.registration);
    return undefined;
  }

  /**
   * Dead for good: expired, or written under a lease that is no longer the edge's. A record dead only
   * because its lease lapsed is kept (until the sweep drops both): the edge process that wrote it may
   * re-take the lease under the same epoch and revive it.
   */
  private isGone(entry: Entry, nowMs: number): boolean {
    return entry.registration.expiresAt * 1000 <= nowMs || this.leases.get(entry.registration.edgeId)?.epoch !== entry.leaseEpoch;
  }

  private isLive(entry: Entry, nowMs: number): boolean {
    if (entry.registration.expiresAt * 1000 <= nowMs) return false;
    const held = this.liveLease(entry.registration.edgeId, nowMs);
    return held !== undefined && held.epoch === entry.leaseEpoch;
  }

  private liveLease(edgeId: string, nowMs: number): HeldLease | undefined {
    const held = this.leases.get(edgeId);
    return held && held.lease.expiresAt * 1000 > nowMs ? held : undefined;
  }

  private remove(registration: Registration): void {
    this.records.delete(deviceRefKey(registration));
    const devices = this.byAccount.get(registration.accountId);
    if (!devices) return;
    devices.delete(registration.deviceId);
    if (devices.size === 0) this.byAccount.delete(registration.accountId);
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError('the memory registry store is closed');
  }
}
