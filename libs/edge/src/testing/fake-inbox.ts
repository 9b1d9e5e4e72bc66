import {
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
 * A small in-memory InboxClient for the edge's tests: per-device entries in storedAt order, reads
 * that leave out expired entries and page by MAX_INBOX_READ, removals that hand the entry to the
 * first taker only. No size limits, collapse keys or tombstones (the registry's stores have those).
 * `down` makes every call fail as an unreachable registry would; `calls` counts calls by method.
 */
export class FakeInbox implements InboxClient {
  down = false;
  readonly calls = { store: 0, pending: 0, remove: 0, takeExpired: 0 };
  private readonly byDevice = new Map<string, InboxEntry[]>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The entries held for a device (expired ones too), oldest first. */
  entriesOf(device: DeviceRef): InboxEntry[] {
    return [...(this.byDevice.get(deviceRefKey(device)) ?? [])];
  }

  async store(entries: InboxEntry[]): Promise<InboxStoreResult[]> {
    this.call('store');
    return entries.map((entry) => {
      const held = this.byDevice.get(deviceRefKey(entry.target)) ?? [];
      this.byDevice.set(deviceRefKey(entry.target), held);
      if (held.some((e) => e.message.id === entry.message.id)) return { messageId: entry.message.id, outcome: 'duplicate' };
      held.push(entry);
      held.sort((a, b) => a.storedAt - b.storedAt); // stable: ties keep the order they were stored in
      return { messageId: entry.message.id, outcome: 'stored' };
    });
  }

  async pending(devices: DeviceRef[]): Promise<DeviceInbox[]> {
    this.call('pending');
    const now = this.now();
    const inboxes: DeviceInbox[] = [];
    for (const device of devices) {
      const live = (this.byDevice.get(deviceRefKey(device)) ?? []).filter((e) => e.expiresAt > now);
      if (live.length === 0) continue;
      inboxes.push({
        accountId: device.accountId,
        deviceId: device.deviceId,
        entries: live.slice(0, MAX_INBOX_READ),
        more: live.length > MAX_INBOX_READ,
      });
    }
    return inboxes;
  }

  async remove(items: InboxRemoveItem[]): Promise<InboxRemoveResult[]> {
    this.call('remove');
    return items.map((item) => {
      const held = this.byDevice.get(deviceRefKey(item)) ?? [];
      const i = held.findIndex((e) => e.message.id === item.messageId);
      if (i < 0) return { ...item };
      const [entry] = held.splice(i, 1);
      return { ...item, entry: entry! };
    });
  }

  async takeExpired(limit: number): Promise<InboxEntry[]> {
    this.call('takeExpired');
    const now = this.now();
    const taken: InboxEntry[] = [];
    for (const held of this.byDevice.values()) {
      for (let i = 0; i < held.length && taken.length < limit;) {
        if (held[i]!.expiresAt <= now) taken.push(...held.splice(i, 1));
        else i++;
      }
    }
    return taken;
  }

  async close(): Promise<void> {}

  private call(method: keyof FakeInbox['calls']): void {
    this.calls[method]++;
    if (this.down)
      throw new ServiceCallError('unreachable', `inbox ${method}: the registry is unreachable (FakeInbox.down)`, { status: 503 });
  }
}

/** An inbox entry for `target` holding `message`, stored now with an hour to live unless told otherwise. */
export function testInboxEntry(
  target: DeviceRef,
  message: InboxEntry['message'],
  over: Partial<Omit<InboxEntry, 'target' | 'message'>> = {},
  now = Date.now(),
): InboxEntry {
  return { target, message, enqueuedAt: now, storedAt: now, expiresAt: now + 3_600_000, source: 'queued', attempts: 1, ...over };
}
