import type { AttributeValue, CreateTableCommandInput, TableDescription } from '@aws-sdk/client-dynamodb';
import type { DeviceRef } from '@pushwire/protocol';

/**
 * The registry's one DynamoDB table. Both kinds of item live in it, told apart by a key prefix:
 *
 *   pk = `device#<accountId>#<deviceId>`  a registration, plus the lease epoch it was written under
 *   pk = `edge#<edgeId>`                  an edge's liveness lease (edgeUrl, expiresAt, epoch)
 *
 * A device is the pair (account, device id): the same device id in two accounts is two items, and
 * no key names a device without its account. Ids cannot contain `#` (the protocol's ID_PATTERN
 * allows letters, digits and `._:@-`), so `device#a#b` splits one way only: account `a`, device
 * `b`. Items of the earlier layout (`device#<deviceId>`, without the account) are never read: they
 * do not split into two ids, and they expire with their TTL.
 *
 * Why one table rather than a second one for leases: both kinds expire on the same `expiresAt`
 * attribute (TTL is one attribute per table), so one TTL setting, one name to configure and one
 * IAM resource cover both, and `ensureRegistryTables` creates one thing. Lease items carry no
 * `accountId`, so the account index (a sparse GSI) never sees them. Ids cannot contain `#`
 * (see the protocol's ID_PATTERN), and the two prefixes differ anyway, so keys never collide.
 */
export const DEFAULT_REGISTRY_TABLE = 'pushwire-registry';

/** Partition key of every item. */
export const KEY_ATTRIBUTE = 'pk';
/** DynamoDB deletes items (lazily: up to days later) once this epoch-seconds attribute has passed. */
export const TTL_ATTRIBUTE = 'expiresAt';
/** GSI on accountId, keys only: listByAccount re-reads the records it finds with consistent reads. */
export const ACCOUNT_INDEX = 'accountId-index';
export const ACCOUNT_ATTRIBUTE = 'accountId';

const DEVICE_PREFIX = 'device#';
const EDGE_PREFIX = 'edge#';

export type Key = Record<string, AttributeValue>;

const SEPARATOR = '#';

/** The key of a device's registration: its account and its id, never the id alone. */
export const deviceKey = ({ accountId, deviceId }: DeviceRef): Key => ({
  [KEY_ATTRIBUTE]: { S: `${DEVICE_PREFIX}${accountId}${SEPARATOR}${deviceId}` },
});
export const leaseKey = (edgeId: string): Key => ({ [KEY_ATTRIBUTE]: { S: `${EDGE_PREFIX}${edgeId}` } });

/** The device of a registration key as returned by the account index, or undefined for other keys. */
export function deviceRefOfKey(key: Key): DeviceRef | undefined {
  const pk = key[KEY_ATTRIBUTE]?.S;
  if (!pk?.startsWith(DEVICE_PREFIX)) return undefined;
  const ids = pk.slice(DEVICE_PREFIX.length).split(SEPARATOR);
  if (ids.length !== 2 || !ids[0] || !ids[1]) return undefined;
  return { accountId: ids[0], deviceId: ids[1] };
}

/** CreateTable input: on-demand billing, string partition key, keys-only account index. */
export function createTableInput(table: string): CreateTableCommandInput {
  return {
    TableName: table,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{ AttributeName: KEY_ATTRIBUTE, KeyType: 'HASH' }],
    AttributeDefinitions: [
      { AttributeName: KEY_ATTRIBUTE, AttributeType: 'S' },
      { AttributeName: ACCOUNT_ATTRIBUTE, AttributeType: 'S' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: ACCOUNT_INDEX,
        KeySchema: [{ AttributeName: ACCOUNT_ATTRIBUTE, KeyType: 'HASH' }],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ],
  };
}

/**
 * Why an existing table cannot serve as the registry table, or undefined when it can. A table of
 * the same name made for something else must stop the service at start, not fail every request.
 */
export function registrySchemaProblem(description: TableDescription): string | undefined {
  const hash = description.KeySchema?.find((k) => k.KeyType === 'HASH');
  const range = description.KeySchema?.find((k) => k.KeyType === 'RANGE');
  if (hash?.AttributeName !== KEY_ATTRIBUTE || range) {
    return `its key must be the string partition key "${KEY_ATTRIBUTE}" alone`;
  }
  const index = description.GlobalSecondaryIndexes?.find((i) => i.IndexName === ACCOUNT_INDEX);
  const indexHash = index?.KeySchema?.find((k) => k.KeyType === 'HASH');
  if (indexHash?.AttributeName !== ACCOUNT_ATTRIBUTE) {
    return `it needs the global secondary index "${ACCOUNT_INDEX}" with partition key "${ACCOUNT_ATTRIBUTE}"`;
  }
  return undefined;
}
