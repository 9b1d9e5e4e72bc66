import type { DeviceInbox, DeviceRef, InboxEntry, InboxRemoveItem, InboxRemoveResult, InboxStoreResult } from '@pushwire/protocol';
import type { ServiceCallOptions } from '@pushwire/service-http';

/**
 * The per-device inbox, served by the registry under /v1/inbox (docs/architecture.md, "Inbox"):
 * messages that could not be delivered when sent, kept until their device connects or their TTL
 * ends. Senders (the message processor, the push client's `storeIfOffline`) store; edges read a
 * device's inbox when its registration is confirmed and remove what they delivered; the processor
 * takes expired entries. Whoever's `remove` or `takeExpired` took an entry out reports its final
 * outcome — one caller, exactly once, however many raced.
 *
 * Two implementations, as for the RegistryClient: `HttpInboxClient` (this package) and
 * `StoreInboxClient` (@pushwire/registry) over an `InboxStore` in-process. Failures reject with a
 * `ServiceCallError` (`store_unavailable`, `unreachable`, …); never an empty answer.
 */
export interface InboxClient {
  /** Stores each entry (at most MAX_INBOX_BATCH); one result per entry, in order. */
  store(entries: InboxEntry[], opts?: ServiceCallOptions): Promise<InboxStoreResult[]>;
  /** Unexpired entries of these devices, oldest first, at most MAX_INBOX_READ each; devices with none are left out. */
  pending(devices: DeviceRef[], opts?: ServiceCallOptions): Promise<DeviceInbox[]>;
  /** Takes these entries out; a result carries `entry` only where this call took it. */
  remove(items: InboxRemoveItem[], opts?: ServiceCallOptions): Promise<InboxRemoveResult[]>;
  /** Takes up to `limit` entries whose TTL has ended, for their `expired` outcome. */
  takeExpired(limit: number, opts?: ServiceCallOptions): Promise<InboxEntry[]>;
  close(): Promise<void>;
}
