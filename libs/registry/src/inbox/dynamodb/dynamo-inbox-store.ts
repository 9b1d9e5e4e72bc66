import { QueryCommand, type DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { createDynamoClient, sendOrUnavailable } from '@pushwire/dynamodb-kit';
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
import { StoreUnavailableError } from '@pushwire/service-kit';
import { mapLimit } from '../../dynamodb/map-limit';
import type { Clock } from '../../registry-store';
import { inboxLimits, inboxOrder, isLive, type InboxLimits } from '../admission';
import type { InboxStore, InboxStoreOptions } from '../inbox-store';
import { InboxTableContext } from './inbox-context';
import { parseEntryItem, parseMeta, tombItem, type Item } from './inbox-items';
import { storeDeviceEntries } from './inbox-store-writes';
import {
  DEFAULT_INBOX_TABLE,
  ENTRY_PREFIX,
  entryKey,
  EXPIRES_ATTRIBUTE,
  EXPIRY_INDEX,
  inboxPk,
  metaKey,
  PK,
  SHARD_ATTRIBUTE,
  SK,
} from './inbox-table';

/** An item's key as one string, to match BatchGet answers (which come in no order) to what was asked. */
const keyString = (item: Item): string => `${item[PK]?.S}\n${item[SK]?.S}`;

/** Options of DynamoInboxStore. */
export interface DynamoInboxStoreOptions extends InboxStoreOptions {
  /** The client to use; close() leaves it open. Default: one made with createDynamoClient(clientConfig), destroyed on close(). */
  client?: DynamoDBClient;
  /** Config of the client the store makes when `client` is absent. */
  clientConfig?: DynamoDBClientConfig;
  /** The inbox table, made by ensureInboxTable. Default DEFAULT_INBOX_TABLE. */
  table?: string;
  /** Devices (store, pending) or items (remove, takeExpired) worked on at once per call. Default 16. */
  concurrency?: number;
  /** Partitions of the expiry index. Fixed for a table's life: entries written under another count are not found. Default 4. */
  expiryShards?: number;
}

/** Attempts of a take whose transaction keeps conflicting before it counts as a failure. */
const MAX_TAKE_ROUNDS = 5;

/**
 * InboxStore on its own DynamoDB table (see inbox-table.ts; create it with ensureInboxTable).
 * Reads are strongly consistent and filter expired entries (DynamoDB deletes items a day after);
 * stores serialise per device on a version item; takes are transactions (delete the entry if it is
 * still there, leave its tombstone), so exactly one caller takes an entry. Any DynamoDB or network
 * failure rejects with StoreUnavailableError.
 */
export class DynamoInboxStore implements InboxStore {
  private readonly ctx: InboxTableContext;
  private readonly ownsClient: boolean;
  private readonly limits: InboxLimits;
  private readonly now: Clock;
  private readonly concurrency: number;
  private readonly expiryShards: number;
  private closed = false;

  constructor(opts: DynamoInboxStoreOptions = {}) {
    this.ownsClient = opts.client === undefined;
    this.ctx = new InboxTableContext(opts.client ?? createDynamoClient(opts.clientConfig), opts.table ?? DEFAULT_INBOX_TABLE);
    this.limits = inboxLimits(opts);
    this.now = opts.now ?? Date.now;
    this.concurrency = opts.concurrency ?? 16;
    this.expiryShards = opts.expiryShards ?? 4;
  }

  async store(entries: InboxEntry[]): Promise<InboxStoreResult[]> {
    this.assertOpen();
    const w = { ctx: this.ctx, limits: this.limits, expiryShards: this.expiryShards, nowMs: this.now() };
    // Entries of one device go in order, one after another; devices in parallel.
    const byDevice = new Map<string, { device: DeviceRef; indexes: number[] }>();
    entries.forEach((entry, index) => {
      const key = deviceRefKey(entry.target);
      const group = byDevice.get(key) ?? { device: entry.target, indexes: [] };
      group.indexes.push(index);
      byDevice.set(key, group);
    });
    const results = new Array<InboxStoreResult>(entries.length);
    await mapLimit([...byDevice.values()], this.concurrency, async ({ device, indexes }) => {
      const stored = await storeDeviceEntries(
        w,
        device,
        indexes.map((i) => entries[i]!),
      );
      indexes.forEach((i, n) => (results[i] = stored[n]!));
    });
    return results;
  }

  async pending(devices: DeviceRef[]): Promise<DeviceInbox[]> {
    this.assertOpen();
    const nowMs = this.now();
    const unique = [...new Map(devices.map((d) => [deviceRefKey(d), d])).values()];
    // One BatchGet of the meta items spares the Query of every device that cannot hold a live entry.
    const lastExpiry = new Map((await this.ctx.batchGet(unique.map(metaKey))).map((m) => [m[PK]?.S, parseMeta(m).lastExpiresAt]));
    const candidates = unique.filter((d) => (lastExpiry.get(inboxPk(d).S) ?? 0) > nowMs);
    const inboxes = await mapLimit(candidates, this.concurrency, async (device): Promise<DeviceInbox | undefined> => {
      const items = await this.ctx.queryAll({
        KeyConditionExpression: `${PK} = :pk AND begins_with(${SK}, :entry)`,
        ExpressionAttributeValues: { ':pk': inboxPk(device), ':entry': { S: ENTRY_PREFIX } },
      });
      const live = items
        .map(parseEntryItem)
        .filter((h) => isLive(h.entry, nowMs))
        .sort(inboxOrder);
      if (live.length === 0) return undefined;
      const entries = live.slice(0, MAX_INBOX_READ).map((h) => h.entry);
      return { accountId: device.accountId, deviceId: device.deviceId, entries, more: live.length > MAX_INBOX_READ };
    });
    return inboxes.filter((i): i is DeviceInbox => i !== undefined);
  }

  /** Reads the entries with one BatchGet, then takes those it found, each in its own transaction. */
  async remove(items: InboxRemoveItem[]): Promise<InboxRemoveResult[]> {
    this.assertOpen();
    const keys = new Map(items.map((item) => [keyString(entryKey(item, item.messageId)), entryKey(item, item.messageId)]));
    const found = new Map<string, InboxEntry>();
    for (const item of await this.ctx.batchGet([...keys.values()])) found.set(keyString(item), parseEntryItem(item).entry);
    return mapLimit(items, this.concurrency, async (item) => {
      const result: InboxRemoveResult = { accountId: item.accountId, deviceId: item.deviceId, messageId: item.messageId };
      const entry = found.get(keyString(entryKey(item, item.messageId)));
      return entry && (await this.take(entry)) ? { ...result, entry } : result;
    });
  }

  /**
   * Queries the expiry index (eventually consistent: it may still list an entry just taken, which
   * the take then finds gone) from a random shard on, for up to `limit` entries past their
   * expiresAt, and takes each; those someone else took meanwhile are left out.
   */
  async takeExpired(limit: number): Promise<InboxEntry[]> {
    this.assertOpen();
    const nowMs = this.now();
    const first = Math.floor(Math.random() * this.expiryShards);
    const candidates: InboxEntry[] = [];
    for (let i = 0; i < this.expiryShards && candidates.length < limit; i++) {
      const page = await sendOrUnavailable('Query', this.ctx.table, () =>
        this.ctx.client.send(
          new QueryCommand({
            TableName: this.ctx.table,
            IndexName: EXPIRY_INDEX,
            KeyConditionExpression: `${SHARD_ATTRIBUTE} = :shard AND ${EXPIRES_ATTRIBUTE} <= :now`,
            ExpressionAttributeValues: { ':shard': { S: `x${(first + i) % this.expiryShards}` }, ':now': { N: String(nowMs) } },
            Limit: limit - candidates.length,
          }),
        ),
      );
      candidates.push(...(page.Items ?? []).map((item) => parseEntryItem(item).entry));
    }
    const taken = await mapLimit(candidates, this.concurrency, async (entry) => ((await this.take(entry)) ? entry : undefined));
    return taken.filter((e): e is InboxEntry => e !== undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsClient) this.ctx.client.destroy();
  }

  /**
   * Takes `entry` out if it is still there: deletes it on condition that it exists and leaves its
   * tombstone, in one transaction; true when this call took it. Entries never change once written
   * and an id never comes back once gone (its tombstone refuses it), so an entry read a moment ago
   * (a BatchGet, the expiry index) is the one deleted.
   */
  private async take(entry: InboxEntry): Promise<boolean> {
    const { target, message } = entry;
    for (let round = 0; round < MAX_TAKE_ROUNDS; round++) {
      const written = await this.ctx.transact('take', [
        { Delete: { TableName: this.ctx.table, Key: entryKey(target, message.id), ConditionExpression: `attribute_exists(${PK})` } },
        { Put: { TableName: this.ctx.table, Item: tombItem(entry) } },
      ]);
      if (written.ok) return true;
      if (written.reasons[0] === 'ConditionalCheckFailed') return false;
      // A transaction on the same entry (another take, a store replacing it) conflicted: try again.
    }
    throw new StoreUnavailableError(`taking ${message.id} from the inbox of device ${target.deviceId} kept conflicting`, {
      retriable: true,
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError('the dynamodb inbox store is closed');
  }
}
