import type { DeviceInbox, DeviceRef, InboxEntry, InboxRemoveItem, InboxRemoveResult, InboxStoreResult } from '@pushwire/protocol';
import type { Clock } from '../registry-store';

/** Bounds of every device's inbox, and the clock the store judges expiry by. */
export interface InboxStoreOptions {
  /** Pending entries one device's inbox holds at most. Default DEFAULT_INBOX_MAX_MESSAGES. */
  maxMessages?: number;
  /** Bytes of payload JSON one device's inbox holds at most. Default DEFAULT_INBOX_MAX_BYTES. */
  maxBytes?: number;
  /** Clock in epoch milliseconds; every expiry decision uses it. Default `Date.now`. */
  now?: Clock;
}

/**
 * The per-device inbox (docs/architecture.md, "Inbox"): messages that could not be delivered when
 * sent, kept per device (the pair account and device id: the same device id in two accounts is two
 * inboxes) until they are taken out or their TTL ends.
 *
 * - Order: a device's entries come back oldest `storedAt` first; ties in the order the store took them.
 * - Bounds: at most `maxMessages` unexpired entries and `maxBytes` of payload JSON per device; an
 *   entry that does not fit is not stored (`overflow`, the message's final outcome). An entry with
 *   the collapse key of an unexpired pending one replaces it (`replaced`, whose outcome is `collapsed`).
 * - Expiry: an entry whose `expiresAt` is not after now is never stored (`expired`) nor returned by
 *   `pending`; it stays until `takeExpired` takes it, so its `expired` outcome is reported once.
 * - Taking: `remove` and `takeExpired` take an entry out at most once in all, however many callers
 *   race; only the one that took it gets it back (and reports its final outcome). A taken (or
 *   replaced) message id leaves a tombstone until well after its `expiresAt`: storing it again
 *   answers `duplicate`, so a replay never resurrects a message that had its final outcome.
 *   `remove` takes an entry even if its TTL has just ended: the caller delivered it, so `delivered`
 *   is the truth; the expiry sweep then finds nothing.
 *
 * Failures. Every method rejects with `StoreUnavailableError` when the backing store fails, never
 * with an empty answer. Inputs are assumed valid (callers validate with the protocol Validators).
 */
export interface InboxStore {
  /** Stores each entry; one result per entry, in request order (entries of one device in that order too). */
  store(entries: InboxEntry[]): Promise<InboxStoreResult[]>;
  /** Unexpired entries of these devices, oldest first, at most MAX_INBOX_READ each (`more` when there are more); devices with none are left out. */
  pending(devices: DeviceRef[]): Promise<DeviceInbox[]>;
  /** Takes these entries out; a result carries `entry` only where this call took it. One result per item, in order. */
  remove(items: InboxRemoveItem[]): Promise<InboxRemoveResult[]>;
  /** Takes up to `limit` entries whose `expiresAt` is not after now, each once in all; never a live one. */
  takeExpired(limit: number): Promise<InboxEntry[]>;
  /** Stops background work and releases connections; later calls reject with StoreUnavailableError. */
  close(): Promise<void>;
}
