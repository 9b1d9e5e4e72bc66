import { GetItemCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { sendOrUnavailable } from '@pushwire/dynamodb-kit';
import type { DeviceRef, InboxEntry, InboxStoreResult } from '@pushwire/protocol';
import { StoreUnavailableError } from '@pushwire/service-kit';
import { admit, inboxOrder, payloadBytes, type HeldEntry, type InboxLimits } from '../admission';
import type { InboxTableContext } from './inbox-context';
import { entryItem, NO_META, parseEntryItem, parseMeta, tombItem, ttlOf, type InboxMeta } from './inbox-items';
import { ENTRY_PREFIX, entryKey, inboxPk, META_SK, metaKey, PK, SK, TOMB_PREFIX, tombKey, TTL_ATTRIBUTE } from './inbox-table';

/** Rounds of read-decide-write before an inbox that keeps changing under us counts as a failure. */
const MAX_STORE_ROUNDS = 8;
/**
 * Largest entry JSON one item takes. DynamoDB refuses items over 400 KB; an entry that large is
 * answered `overflow` (it can never be stored) rather than failing the whole batch.
 */
export const MAX_ENTRY_JSON_BYTES = 350 * 1024;

/** One device's inbox as read for a store: its entries (expired ones the sweep has not taken included) and meta. */
interface DeviceInboxState {
  held: HeldEntry[];
  meta: InboxMeta;
}

/** What a store of a device's entries needs besides the entries. */
export interface StoreWriteContext {
  readonly ctx: InboxTableContext;
  readonly limits: InboxLimits;
  readonly expiryShards: number;
  readonly nowMs: number;
}

/** Reads a device's entries and meta item (not its tombstones) with one consistent Query. */
async function readState(ctx: InboxTableContext, device: DeviceRef): Promise<DeviceInboxState> {
  const items = await ctx.queryAll({
    KeyConditionExpression: `${PK} = :pk AND ${SK} < :tomb`,
    ExpressionAttributeValues: { ':pk': inboxPk(device), ':tomb': { S: TOMB_PREFIX } },
  });
  const metaItem = items.find((i) => i[SK]?.S === META_SK);
  const held = items.filter((i) => i[SK]?.S?.startsWith(ENTRY_PREFIX)).map(parseEntryItem);
  return { held: held.sort(inboxOrder), meta: metaItem ? parseMeta(metaItem) : NO_META };
}

async function tombstoned(ctx: InboxTableContext, entry: InboxEntry): Promise<boolean> {
  const got = await sendOrUnavailable('GetItem', ctx.table, () =>
    ctx.client.send(new GetItemCommand({ TableName: ctx.table, Key: tombKey(entry.target, entry.message.id), ConsistentRead: true })),
  );
  return got.Item !== undefined;
}

/**
 * Stores the entries of ONE device, in order. Each store is a transaction that bumps the device's
 * meta version (conditioned on the version it read: concurrent stores to one device serialise, so
 * the bounds hold), puts the entry unless it exists or has a tombstone, and for a collapse-key
 * replacement deletes the replaced entry (unless someone took it meanwhile) and tombstones it.
 * A transaction cancelled by a changed inbox is decided again on a fresh read.
 */
export async function storeDeviceEntries(w: StoreWriteContext, device: DeviceRef, entries: InboxEntry[]): Promise<InboxStoreResult[]> {
  let state = await readState(w.ctx, device);
  const results: InboxStoreResult[] = [];
  for (const entry of entries) {
    for (let round = 0; ; round++) {
      if (round >= MAX_STORE_ROUNDS) {
        throw new StoreUnavailableError(
          `the inbox of device ${device.deviceId} of account ${device.accountId} kept changing during ${MAX_STORE_ROUNDS} attempts to store ${entry.message.id}`,
          { retriable: true },
        );
      }
      const outcome = await storeOnce(w, state, entry);
      if (outcome === 'changed') {
        state = await readState(w.ctx, device);
        continue;
      }
      results.push(outcome);
      break;
    }
  }
  return results;
}

async function storeOnce(w: StoreWriteContext, state: DeviceInboxState, entry: InboxEntry): Promise<InboxStoreResult | 'changed'> {
  const messageId = entry.message.id;
  const bytes = payloadBytes(entry);
  const admission = admit(entry, bytes, state.held, false, w.limits, w.nowMs);
  if (admission.outcome === 'duplicate') return { messageId, outcome: 'duplicate' };
  const tooLarge = Buffer.byteLength(JSON.stringify(entry)) > MAX_ENTRY_JSON_BYTES;
  if (admission.outcome !== 'stored' || tooLarge) {
    // A message that had its final outcome is a duplicate, not a second outcome (expired, overflow).
    if (await tombstoned(w.ctx, entry)) return { messageId, outcome: 'duplicate' };
    return { messageId, outcome: tooLarge ? 'overflow' : admission.outcome };
  }
  const held: HeldEntry = { entry, seq: state.meta.seq + 1, bytes };
  const meta: InboxMeta = {
    version: state.meta.version + 1,
    seq: held.seq,
    ttl: Math.max(state.meta.ttl, ttlOf(entry)),
    lastExpiresAt: Math.max(state.meta.lastExpiresAt, entry.expiresAt),
  };
  const items: TransactWriteItem[] = [
    { Update: metaUpdate(w.ctx.table, entry.target, state.meta, meta) },
    { Put: { TableName: w.ctx.table, Item: entryItem(held, w.expiryShards), ConditionExpression: `attribute_not_exists(${PK})` } },
    {
      ConditionCheck: { TableName: w.ctx.table, Key: tombKey(entry.target, messageId), ConditionExpression: `attribute_not_exists(${PK})` },
    },
  ];
  const { replaced } = admission;
  if (replaced) {
    const old = replaced.entry;
    items.push(
      { Delete: { TableName: w.ctx.table, Key: entryKey(old.target, old.message.id), ConditionExpression: `attribute_exists(${PK})` } },
      { Put: { TableName: w.ctx.table, Item: tombItem(old) } },
    );
  }
  const written = await w.ctx.transact('store', items);
  if (!written.ok) {
    const [, entryReason, tombReason] = written.reasons;
    if (entryReason === 'ConditionalCheckFailed' || tombReason === 'ConditionalCheckFailed') return { messageId, outcome: 'duplicate' };
    // The meta version moved (another store), the replaced entry was taken, or a transaction conflicted.
    return 'changed';
  }
  state.meta = meta;
  state.held = [...state.held.filter((h) => h !== replaced), held].sort(inboxOrder);
  return replaced ? { messageId, outcome: 'stored', replaced: replaced.entry } : { messageId, outcome: 'stored' };
}

/** Bumps the device's meta from `read` to `next`, only if nobody bumped it since we read it. */
function metaUpdate(table: string, device: DeviceRef, read: InboxMeta, next: InboxMeta): NonNullable<TransactWriteItem['Update']> {
  return {
    TableName: table,
    Key: metaKey(device),
    UpdateExpression: 'SET #version = :next, #seq = :seq, #purge = :ttl, #last = :last',
    ConditionExpression: read.version === 0 ? `attribute_not_exists(${PK})` : '#version = :read',
    ExpressionAttributeNames: { '#version': 'version', '#seq': 'seq', '#purge': TTL_ATTRIBUTE, '#last': 'lastExpiresAt' },
    ExpressionAttributeValues: {
      ':next': { N: String(next.version) },
      ':seq': { N: String(next.seq) },
      ':ttl': { N: String(next.ttl) },
      ':last': { N: String(next.lastExpiresAt) },
      ...(read.version === 0 ? {} : { ':read': { N: String(read.version) } }),
    },
  };
}
