import { DEFAULT_INBOX_MAX_BYTES, DEFAULT_INBOX_MAX_MESSAGES, type InboxEntry } from '@pushwire/protocol';
import type { InboxStoreOptions } from './inbox-store';

/** An entry as an inbox holds it: with the sequence number that breaks `storedAt` ties, and its payload's size. */
export interface HeldEntry {
  readonly entry: InboxEntry;
  /** Order in which the device's inbox took it: later stores get greater numbers. */
  readonly seq: number;
  /** Bytes of its payload JSON, what `maxBytes` counts. */
  readonly bytes: number;
}

/** The bounds of one device's inbox. */
export interface InboxLimits {
  readonly maxMessages: number;
  readonly maxBytes: number;
}

/** What storing one entry into a device's inbox comes to, before anything is written. */
export type Admission = { outcome: 'expired' | 'duplicate' | 'overflow' } | { outcome: 'stored'; replaced?: HeldEntry };

/** Bytes of an entry's payload JSON (UTF-8), what an inbox's `maxBytes` bounds. */
export function payloadBytes(entry: InboxEntry): number {
  return Buffer.byteLength(JSON.stringify(entry.message.payload) ?? 'null');
}

/** Oldest `storedAt` first; ties in the order the inbox took them. */
export const inboxOrder = (a: HeldEntry, b: HeldEntry): number => a.entry.storedAt - b.entry.storedAt || a.seq - b.seq;

export const isLive = (entry: InboxEntry, nowMs: number): boolean => entry.expiresAt > nowMs;

/**
 * The one rule of both stores for storing `entry` into an inbox that holds `held` (expired entries
 * the sweep has not taken yet included) and tombstones `taken` (whether its id was taken before):
 * a known id is a `duplicate` first of all (a replay of a message with a final outcome must not get
 * a second one, not even `expired`); then an ended TTL is `expired`; an unexpired entry with the same
 * collapse key is `replaced`; then the entry must fit the live entries left by count and by bytes.
 */
export function admit(
  entry: InboxEntry,
  bytes: number,
  held: readonly HeldEntry[],
  taken: boolean,
  limits: InboxLimits,
  nowMs: number,
): Admission {
  if (taken || held.some((h) => h.entry.message.id === entry.message.id)) return { outcome: 'duplicate' };
  if (!isLive(entry, nowMs)) return { outcome: 'expired' };
  const live = held.filter((h) => isLive(h.entry, nowMs));
  const replaced = entry.collapseKey === undefined ? undefined : live.find((h) => h.entry.collapseKey === entry.collapseKey);
  const staying = replaced ? live.filter((h) => h !== replaced) : live;
  const usedBytes = staying.reduce((sum, h) => sum + h.bytes, 0);
  if (staying.length + 1 > limits.maxMessages || usedBytes + bytes > limits.maxBytes) return { outcome: 'overflow' };
  return replaced ? { outcome: 'stored', replaced } : { outcome: 'stored' };
}

/** The bounds an InboxStore was given, defaults filled in; a bad one is a programming error (RangeError). */
export function inboxLimits(opts: InboxStoreOptions): InboxLimits {
  const { maxMessages = DEFAULT_INBOX_MAX_MESSAGES, maxBytes = DEFAULT_INBOX_MAX_BYTES } = opts;
  if (!Number.isInteger(maxMessages) || maxMessages < 1) throw new RangeError(`maxMessages must be a positive integer, got ${maxMessages}`);
  if (!Number.isInteger(maxBytes) || maxBytes < 1) throw new RangeError(`maxBytes must be a positive integer, got ${maxBytes}`);
  return { maxMessages, maxBytes };
}
