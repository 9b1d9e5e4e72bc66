import {
  DEFAULT_INBOX_MAX_MESSAGES,
  deviceRefKey,
  type DeviceInbox,
  type DeviceRef,
  type InboxEntry,
  type InboxRemoveItem,
  type InboxRemoveResult,
  type InboxStoreResult,
} from '@pushwire/protocol';
import type { InboxClient } from '@pushwire/registry-client';

/**
 * An in-memory InboxClient for the push client's specs: the registry inbox's answers (stored,
 * duplicate, overflow by count, expired; `remove` hands an entry to one caller only), every store
 * call noted, and hooks for an outage (`failure`) and for a device connecting while a store is under
 * way (`afterStore`). The registry's StoreInboxClient over a MemoryInboxStore is the real thing.
 */
export class FakeInbox implements InboxClient {
  /** Pending entries per device (deviceRefKey), oldest first. */
  readonly inboxes = new Map<string, InboxEntry[]>();
  /** The entries of each store call, in order. */
  readonly storeCalls: InboxEntry[][] = [];
  /** Most entries a device's inbox holds. */
  maxMessages = DEFAULT_INBOX_MAX_MESSAGES;
  /** When set, every call rejects with it (the registry or its store is down). */
  failure: Error | undefined;
  /** Runs after a store call took its entries and before it answers. */
  afterStore: (() => Promise<void>) | undefined;
  private readonly taken = new Set<string>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The pending entries of one device. */
  of(device: DeviceRef): InboxEntry[] {
    return this.inboxes.get(deviceRefKey(device)) ?? [];
  }

  async store(entries: InboxEntry[]): Promise<InboxStoreResult[]> {
    this.fail();
    this.storeCalls.push(entries);
    const results = entries.map((entry): InboxStoreResult => {
      const { id } = entry.message;
      const inbox = this.of(entry.target);
      if (this.taken.has(id) || inbox.some((e) => e.message.id === id)) return { messageId: id, outcome: 'duplicate' };
      if (entry.expiresAt <= this.now()) return { messageId: id, outcome: 'expired' };
      if (inbox.length >= this.maxMessages) return { messageId: id, outcome: 'overflow' };
      this.inboxes.set(deviceRefKey(entry.target), [...inbox, entry]);
      return { messageId: id, outcome: 'stored' };
    });
    await this.afterStore?.();
    return results;
  }

  async pending(devices: DeviceRef[]): Promise<DeviceInbox[]> {
    this.fail();
    return devices
      .map((d) => ({
        accountId: d.accountId,
        deviceId: d.deviceId,
        entries: this.of(d).filter((e) => e.expiresAt > this.now()),
        more: false,
      }))
      .filter((inbox) => inbox.entries.length > 0);
  }

  async remove(items: InboxRemoveItem[]): Promise<InboxRemoveResult[]> {
    this.fail();
    return items.map((item) => {
      const inbox = this.of(item);
      const entry = inbox.find((e) => e.message.id === item.messageId);
      if (!entry) return { ...item };
      this.taken.add(item.messageId);
      this.inboxes.set(
        deviceRefKey(item),
        inbox.filter((e) => e !== entry),
      );
      return { ...item, entry };
    });
  }

  async takeExpired(): Promise<InboxEntry[]> {
    this.fail();
    return [];
  }

  async close(): Promise<void> {}

  private fail(): void {
    if (this.failure) throw this.failure;
  }
}
