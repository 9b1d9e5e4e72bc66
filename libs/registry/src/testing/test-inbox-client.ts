import type { DeviceInbox, DeviceRef, InboxEntry, InboxRemoveItem, InboxRemoveResult, InboxStoreResult } from '@pushwire/protocol';
import type { InboxClient } from '@pushwire/registry-client';
import { ServiceCallError } from '@pushwire/service-http';
import type { InboxStoreOptions } from '../inbox/inbox-store';
import { MemoryInboxStore } from '../inbox/memory-inbox-store';
import { StoreInboxClient } from '../inbox/store-inbox-client';

/** The InboxClient methods a TestInboxClient counts and can refuse. */
export type InboxCallName = 'store' | 'pending' | 'remove' | 'takeExpired';

/**
 * The InboxClient of specs and test helpers: the registry's own inbox (a StoreInboxClient over a
 * MemoryInboxStore built with `opts`: its clock and bounds), so a test sees exactly the answers the
 * registry gives — stored / replaced / duplicate (tombstones) / overflow / expired, paging by
 * MAX_INBOX_READ, an entry taken once — plus the hooks tests need around it:
 * - `failing`: every call rejects as HttpInboxClient does when the registry is unreachable or its
 *   store is down (a ServiceCallError with that code), without reaching the store;
 * - `calls` (every call, refused ones too), `refused` (the calls `failing` turned down, in order)
 *   and `storeCalls` (the entries of each store call that reached the store);
 * - `afterStore`: runs after a store call stored its entries and before it answers (a device
 *   connecting meanwhile);
 * - `entries(device?)`: what the inbox holds, without a call.
 * close() leaves the store open (as the fakes it replaces did), so a test can still read `entries`.
 */
export class TestInboxClient implements InboxClient {
  /** While set, every call rejects with this code, as if the registry (`unreachable`) or its store (`store_unavailable`) were down. */
  failing: 'unreachable' | 'store_unavailable' | undefined;
  /** Runs after a store call stored its entries and before it answers. */
  afterStore: (() => Promise<void>) | undefined;
  /** Calls made, by method, refused ones included. */
  readonly calls: Record<InboxCallName, number> = { store: 0, pending: 0, remove: 0, takeExpired: 0 };
  /** The calls `failing` refused, in order. */
  readonly refused: InboxCallName[] = [];
  /** The entries of each store call that reached the store, in order. */
  readonly storeCalls: InboxEntry[][] = [];
  private readonly memory: MemoryInboxStore;
  private readonly client: StoreInboxClient;

  /** `opts`: the store's clock (default Date.now) and bounds (defaults of the registry). */
  constructor(opts: InboxStoreOptions = {}) {
    // No tombstone sweep: no timer to leak, and a test never outlives a tombstone's day.
    this.memory = new MemoryInboxStore({ ...opts, sweepIntervalMs: 0 });
    this.client = new StoreInboxClient(this.memory);
  }

  /** The entries the inbox holds for `device`, or for every device, oldest first; expired ones not taken yet included. */
  entries(device?: DeviceRef): InboxEntry[] {
    return this.memory.held(device);
  }

  async store(entries: InboxEntry[]): Promise<InboxStoreResult[]> {
    this.call('store');
    this.storeCalls.push(entries);
    const results = await this.client.store(entries);
    await this.afterStore?.();
    return results;
  }

  async pending(devices: DeviceRef[]): Promise<DeviceInbox[]> {
    this.call('pending');
    return this.client.pending(devices);
  }

  async remove(items: InboxRemoveItem[]): Promise<InboxRemoveResult[]> {
    this.call('remove');
    return this.client.remove(items);
  }

  async takeExpired(limit: number): Promise<InboxEntry[]> {
    this.call('takeExpired');
    return this.client.takeExpired(limit);
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private call(name: InboxCallName): void {
    this.calls[name]++;
    if (!this.failing) return;
    this.refused.push(name);
    const message = `registry inbox ${name}: registry ${this.failing} (TestInboxClient.failing)`;
    // As HttpInboxClient: no HTTP status when nothing answered (here: the connection was refused, so
    // the call surely did nothing), 503 when the registry's store is down.
    throw new ServiceCallError(
      this.failing,
      message,
      this.failing === 'store_unavailable'
        ? { status: 503 }
        : { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) },
    );
  }
}

/** An inbox entry for `target` holding `message`, stored `now` with an hour to live unless `over` says otherwise. */
export function testInboxEntry(
  target: DeviceRef,
  message: InboxEntry['message'],
  over: Partial<Omit<InboxEntry, 'target' | 'message'>> = {},
  now = Date.now(),
): InboxEntry {
  return { target, message, enqueuedAt: now, storedAt: now, expiresAt: now + 3_600_000, source: 'queued', attempts: 1, ...over };
}
