import {
  DEFAULT_INBOX_MAX_MESSAGES,
  deviceRefKey,
  MAX_INBOX_READ,
  type DeviceInbox,
  type DeviceRef,
  type InboxEntry,
  type InboxRemoveItem,
  type InboxRemoveResult,
  type InboxStoreResult,
} from '@pushwire/protocol';
import type { InboxClient } from '@pushwire/registry-client';
import { ServiceCallError } from '@pushwire/service-http';

/**
 * An in-memory InboxClient for the processor's specs, honouring the InboxClient contract the way
 * the registry's stores do: store answers stored (with `replaced` for a collapse key), duplicate
 * (held, or taken before: a tombstone), overflow (more than `maxMessages` per device) or expired;
 * remove and takeExpired take an entry once. `failing` makes every call reject like an unreachable
 * registry.
 */
export class FakeInboxClient implements InboxClient {
  /** Per device key, its entries in storage order. */
  readonly inboxes = new Map<string, InboxEntry[]>();
  /** Message ids taken out (their final outcome was reported): storing one again is a duplicate. */
  readonly taken = new Set<string>();
  /** While set, every call rejects with this code (a registry or store that is down). */
  failing?: 'unreachable' | 'store_unavailable';
  storeCalls = 0;
  /** Calls refused while `failing`, by method name. */
  readonly refused: string[] = [];

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxMessages = DEFAULT_INBOX_MAX_MESSAGES,
  ) {}

  /** Every entry held, oldest first per device. */
  entries(): InboxEntry[] {
    return [...this.inboxes.values()].flat();
  }

  async store(entries: InboxEntry[]): Promise<InboxStoreResult[]> {
    this.check('store');
    this.storeCalls++;
    return entries.map((entry) => this.storeOne(entry));
  }

  async pending(devices: DeviceRef[]): Promise<DeviceInbox[]> {
    this.check('pending');
    return devices.flatMap((d) => {
      const live = (this.inboxes.get(deviceRefKey(d)) ?? []).filter((e) => e.expiresAt > this.now());
      return live.length
        ? [{ accountId: d.accountId, deviceId: d.deviceId, entries: live.slice(0, MAX_INBOX_READ), more: live.length > MAX_INBOX_READ }]
        : [];
    });
  }

  async remove(items: InboxRemoveItem[]): Promise<InboxRemoveResult[]> {
    this.check('remove');
    return items.map((item) => {
      const entry = this.take(deviceRefKey(item), (e) => e.message.id === item.messageId && e.expiresAt > this.now());
      return { ...item, ...(entry ? { entry } : {}) };
    });
  }

  async takeExpired(limit: number): Promise<InboxEntry[]> {
    this.check('takeExpired');
    const out: InboxEntry[] = [];
    for (const key of [...this.inboxes.keys()]) {
      for (;;) {
        if (out.length >= limit) return out;
        const entry = this.take(key, (e) => e.expiresAt <= this.now());
        if (!entry) break;
        out.push(entry);
      }
    }
    return out;
  }

  async close(): Promise<void> {}

  private storeOne(entry: InboxEntry): InboxStoreResult {
    const messageId = entry.message.id;
    const key = deviceRefKey(entry.target);
    const list = this.inboxes.get(key) ?? [];
    if (this.taken.has(messageId) || list.some((e) => e.message.id === messageId)) return { messageId, outcome: 'duplicate' };
    if (entry.expiresAt <= this.now()) return { messageId, outcome: 'expired' };
    const replaced = entry.collapseKey === undefined ? undefined : list.find((e) => e.collapseKey === entry.collapseKey);
    if (replaced) this.take(key, (e) => e === replaced);
    else if (list.filter((e) => e.expiresAt > this.now()).length >= this.maxMessages) return { messageId, outcome: 'overflow' };
    this.inboxes.set(key, [...(this.inboxes.get(key) ?? []), entry]);
    return { messageId, outcome: 'stored', ...(replaced ? { replaced } : {}) };
  }

  private take(key: string, match: (e: InboxEntry) => boolean): InboxEntry | undefined {
    const list = this.inboxes.get(key) ?? [];
    const i = list.findIndex(match);
    if (i < 0) return undefined;
    const [entry] = list.splice(i, 1);
    if (list.length === 0) this.inboxes.delete(key);
    this.taken.add(entry!.message.id);
    return entry;
  }

  private check(method: keyof InboxClient): void {
    if (!this.failing) return;
    this.refused.push(method);
    throw new ServiceCallError(this.failing, `inbox: scripted ${this.failing}`);
  }
}
