import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { PushwireError, Validators, type InboxEntry } from '@pushwire/protocol';
import type { HeldEntry } from '../admission';
import { entryKey, EXPIRES_ATTRIBUTE, PK, SHARD_ATTRIBUTE, SK, tombKey, TTL_ATTRIBUTE, TTL_MARGIN_SECONDS } from './inbox-table';

export type Item = Record<string, AttributeValue>;

/** The `ttl` of an entry's items: a day after it expires, in epoch seconds. */
export const ttlOf = (entry: InboxEntry): number => Math.ceil(entry.expiresAt / 1000) + TTL_MARGIN_SECONDS;

/** Which expiry-index partition an entry goes to: a stable hash of its device, so a device's entries share one. */
export function expiryShard(entry: InboxEntry, shards: number): string {
  let hash = 0;
  for (const ch of `${entry.target.accountId}#${entry.target.deviceId}`) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return `x${hash % shards}`;
}

export function entryItem(held: HeldEntry, shards: number): Item {
  const { entry } = held;
  return {
    ...entryKey(entry.target, entry.message.id),
    entry: { S: JSON.stringify(entry) },
    storedAt: { N: String(entry.storedAt) },
    seq: { N: String(held.seq) },
    bytes: { N: String(held.bytes) },
    [EXPIRES_ATTRIBUTE]: { N: String(entry.expiresAt) },
    [SHARD_ATTRIBUTE]: { S: expiryShard(entry, shards) },
    [TTL_ATTRIBUTE]: { N: String(ttlOf(entry)) },
  };
}

/** An entry item read back. What it holds was validated when stored; it is validated again as it leaves. */
export function parseEntryItem(item: Item): HeldEntry {
  const raw = item.entry?.S;
  const seq = Number(item.seq?.N);
  const bytes = Number(item.bytes?.N);
  if (raw === undefined || !Number.isFinite(seq) || !Number.isFinite(bytes)) throw malformed(item);
  let entry: InboxEntry;
  try {
    entry = Validators.inboxEntry.decode(JSON.parse(raw));
  } catch (e) {
    throw malformed(item, e);
  }
  return { entry, seq, bytes };
}

export const tombItem = (entry: InboxEntry): Item => ({
  ...tombKey(entry.target, entry.message.id),
  [TTL_ATTRIBUTE]: { N: String(ttlOf(entry)) },
});

/**
 * A device's version and sequence counter, and the latest expiresAt of anything it ever stored:
 * a read skips the Query of a device whose inbox cannot hold a live entry (most devices, most of
 * the time). Absent (version 0) until the device's first store.
 */
export interface InboxMeta {
  readonly version: number;
  readonly seq: number;
  readonly ttl: number;
  readonly lastExpiresAt: number;
}

export const NO_META: InboxMeta = { version: 0, seq: 0, ttl: 0, lastExpiresAt: 0 };

export function parseMeta(item: Item): InboxMeta {
  const meta = {
    version: Number(item.version?.N),
    seq: Number(item.seq?.N),
    ttl: Number(item[TTL_ATTRIBUTE]?.N),
    lastExpiresAt: Number(item.lastExpiresAt?.N),
  };
  if (!Object.values(meta).every(Number.isFinite)) throw malformed(item);
  return meta;
}

/** An inbox item that lacks what it must have: written by something other than this store. */
export class MalformedInboxItemError extends PushwireError {
  override readonly name = 'MalformedInboxItemError';
  constructor(message: string, cause?: unknown) {
    super('corrupt_record', message, cause === undefined ? {} : { cause });
  }
}

function malformed(item: Item, cause?: unknown): MalformedInboxItemError {
  return new MalformedInboxItemError(`inbox item ${item[PK]?.S ?? '(no key)'} ${item[SK]?.S ?? ''} is not one this store wrote`, cause);
}
