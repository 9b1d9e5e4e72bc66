import type { CreateTableCommandInput, TableDescription } from '@aws-sdk/client-dynamodb';

/**
 * The device list's one DynamoDB table:
 *
 *   accountId (pk) | deviceId (sk) | a device's state: every DeviceRecord field, `online`, and
 *                  |               | `onlineEdgeId` while online / `expiresAt` (TTL) while offline
 *   "#edges"  (pk) | edgeId   (sk) | a known edge: `edgeUrl` (the sort key attribute is still named deviceId)
 *
 * One account's devices are one partition, so listOnline is a single consistent Query. `onlineEdgeId`
 * exists only on online records, which makes `edge-index` a sparse index of exactly the online
 * devices per edge (lease-lapse sweeps). Offline records stay until their `expiresAt`, so a late event
 * about an older connection still meets the newer state it must lose against. Account ids cannot
 * contain `#` (the protocol's ID_PATTERN), so the edge partition never meets an account.
 */
export const DEFAULT_DEVICE_LIST_TABLE = 'pushwire-device-list';

export const PARTITION_KEY = 'accountId';
export const SORT_KEY = 'deviceId';
/** Partition of the known-edge items. */
export const EDGES_PARTITION = '#edges';
/** Sparse GSI: partition key `onlineEdgeId`, sort key `deviceId`, all attributes projected. */
export const EDGE_INDEX = 'edge-index';
export const EDGE_INDEX_KEY = 'onlineEdgeId';
/** Epoch seconds after which DynamoDB may delete an offline record (lazily). */
export const EXPIRES_AT = 'expiresAt';

export function deviceListTableInput(table: string): CreateTableCommandInput {
  return {
    TableName: table,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [
      { AttributeName: PARTITION_KEY, KeyType: 'HASH' },
      { AttributeName: SORT_KEY, KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [PARTITION_KEY, SORT_KEY, EDGE_INDEX_KEY].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    GlobalSecondaryIndexes: [
      {
        IndexName: EDGE_INDEX,
        KeySchema: [
          { AttributeName: EDGE_INDEX_KEY, KeyType: 'HASH' },
          { AttributeName: SORT_KEY, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

/** What is wrong with an existing table for holding the device list, or undefined if nothing. */
export function deviceListTableMismatch(table: TableDescription): string | undefined {
  const keyOf = (schema: TableDescription['KeySchema'], type: 'HASH' | 'RANGE') => schema?.find((k) => k.KeyType === type)?.AttributeName;
  if (keyOf(table.KeySchema, 'HASH') !== PARTITION_KEY || keyOf(table.KeySchema, 'RANGE') !== SORT_KEY) {
    return `its key must be "${PARTITION_KEY}" (partition) and "${SORT_KEY}" (sort)`;
  }
  const index = table.GlobalSecondaryIndexes?.find((i) => i.IndexName === EDGE_INDEX);
  if (keyOf(index?.KeySchema, 'HASH') !== EDGE_INDEX_KEY || index?.Projection?.ProjectionType !== 'ALL') {
    return `it needs the index "${EDGE_INDEX}" on "${EDGE_INDEX_KEY}" with all attributes projected`;
  }
  return undefined;
}
