import type { AttributeValue, CreateTableCommandInput, DynamoDBClient, TableDescription } from '@aws-sdk/client-dynamodb';
import { createTable, describeTable, ensureTimeToLive, waitUntilActive } from '@pushwire/dynamodb-kit';
import type { DeviceRef } from '@pushwire/protocol';
import type { EnsureRegistryTablesOptions } from '../../dynamodb/ensure-registry-tables';

/**
 * The inbox's DynamoDB table, its own (another TTL attribute, another key schema than the
 * registry's). One partition per device, three kinds of item told apart by the sort key:
 *
 *   pk = `inbox#<accountId>#<deviceId>`
 *     sk = `entry#<messageId>`  a pending entry (the InboxEntry as JSON, storedAt, seq, payload bytes,
 *                               expiresAt in ms, and `expShard`, which puts it in the expiry index)
 *     sk = `meta`               the device's version (every store bumps it: concurrent stores to one
 *                               device serialise on it) and its sequence counter (storedAt ties)
 *     sk = `tomb#<messageId>`   a taken or replaced message: storing it again answers `duplicate`
 *
 * The sort keys order as entry# < meta < tomb#, so one Query (`sk < "tomb#"`) reads a device's
 * entries and its meta item without its tombstones, however many those are.
 *
 * Expiry: the sparse index `expiry-index` (partition `expShard`, a few shards so no partition is
 * hot; sort `expiresAt` in ms) holds entries only; the sweep queries `expiresAt <= now` in it.
 * DynamoDB's TTL (`purgeAt`, epoch seconds) is a day after expiresAt, so the sweep always claims an
 * entry (and reports `expired`) before DynamoDB deletes it, and tombstones outlive their message.
 */
export const DEFAULT_INBOX_TABLE = 'pushwire-inbox';

export const PK = 'pk';
export const SK = 'sk';
export const TTL_ATTRIBUTE = 'purgeAt';
export const EXPIRY_INDEX = 'expiry-index';
export const SHARD_ATTRIBUTE = 'expShard';
export const EXPIRES_ATTRIBUTE = 'expiresAt';
/** Seconds DynamoDB's TTL waits after a message's expiresAt. */
export const TTL_MARGIN_SECONDS = 24 * 3600;

export const ENTRY_PREFIX = 'entry#';
export const META_SK = 'meta';
export const TOMB_PREFIX = 'tomb#';

export type Key = Record<string, AttributeValue>;

const SEPARATOR = '#';

/** The partition of a device's inbox: its account and its id, never the id alone. */
export const inboxPk = ({ accountId, deviceId }: DeviceRef): AttributeValue => ({
  S: `inbox${SEPARATOR}${accountId}${SEPARATOR}${deviceId}`,
});
export const entryKey = (device: DeviceRef, messageId: string): Key => ({
  [PK]: inboxPk(device),
  [SK]: { S: `${ENTRY_PREFIX}${messageId}` },
});
export const tombKey = (device: DeviceRef, messageId: string): Key => ({
  [PK]: inboxPk(device),
  [SK]: { S: `${TOMB_PREFIX}${messageId}` },
});
export const metaKey = (device: DeviceRef): Key => ({ [PK]: inboxPk(device), [SK]: { S: META_SK } });

/** CreateTable input: on-demand billing, device partition and item sort key, the sparse expiry index. */
export function createInboxTableInput(table: string): CreateTableCommandInput {
  return {
    TableName: table,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [
      { AttributeName: PK, KeyType: 'HASH' },
      { AttributeName: SK, KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: PK, AttributeType: 'S' },
      { AttributeName: SK, AttributeType: 'S' },
      { AttributeName: SHARD_ATTRIBUTE, AttributeType: 'S' },
      { AttributeName: EXPIRES_ATTRIBUTE, AttributeType: 'N' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: EXPIRY_INDEX,
        KeySchema: [
          { AttributeName: SHARD_ATTRIBUTE, KeyType: 'HASH' },
          { AttributeName: EXPIRES_ATTRIBUTE, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

/** Why an existing table cannot serve as the inbox table, or undefined when it can. */
export function inboxSchemaProblem(description: TableDescription): string | undefined {
  const key = (type: string) => description.KeySchema?.find((k) => k.KeyType === type)?.AttributeName;
  if (key('HASH') !== PK || key('RANGE') !== SK) return `its key must be the string partition key "${PK}" and sort key "${SK}"`;
  const index = description.GlobalSecondaryIndexes?.find((i) => i.IndexName === EXPIRY_INDEX);
  const indexKey = (type: string) => index?.KeySchema?.find((k) => k.KeyType === type)?.AttributeName;
  if (indexKey('HASH') !== SHARD_ATTRIBUTE || indexKey('RANGE') !== EXPIRES_ATTRIBUTE) {
    return `it needs the global secondary index "${EXPIRY_INDEX}" on "${SHARD_ATTRIBUTE}" and "${EXPIRES_ATTRIBUTE}"`;
  }
  return undefined;
}

/**
 * Creates the inbox table if it is missing and turns on TTL on `purgeAt`, then returns once the table
 * and its index are ACTIVE; as ensureRegistryTables, safe from every replica at once, and an
 * existing table of that name with another layout is an error naming it.
 */
export async function ensureInboxTable(client: DynamoDBClient, table: string, opts: EnsureRegistryTablesOptions = {}): Promise<void> {
  if (!(await describeTable(client, table))) await createTable(client, table, createInboxTableInput(table));
  const description = await waitUntilActive(client, table, opts.timeoutMs ?? 120_000, opts.pollMs ?? 1_000);
  const problem = inboxSchemaProblem(description);
  if (problem) throw new Error(`DynamoDB table ${table} exists but cannot hold the inbox: ${problem}`);
  await ensureTimeToLive(client, table, TTL_ATTRIBUTE, 'the inbox');
}
