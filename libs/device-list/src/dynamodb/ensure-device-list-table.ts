import { waitUntilTableExists, type DynamoDBClient, type TableDescription } from '@aws-sdk/client-dynamodb';
import { createTable, describeTable, ensureTimeToLive, sendOrUnavailable } from '@pushwire/dynamodb-kit';
import { dynamoUnavailable } from '@pushwire/service-kit';
import { DEFAULT_DEVICE_LIST_TABLE, deviceListTableInput, deviceListTableMismatch, EXPIRES_AT } from './table-layout';

/** Options of ensureDeviceListTable. */
export interface EnsureDeviceListTableOptions {
  /** How long to wait for a new table to become ACTIVE (real DynamoDB takes a while; Local is instant). Default 120 s. */
  readonly maxWaitSeconds?: number;
}

/**
 * Makes sure the device list table exists (see table-layout.ts) with TTL on `expiresAt`, and returns
 * once it is ACTIVE. Idempotent and safe for several replicas starting at once: a table or a TTL
 * setting someone else made first is accepted as it is. A table of that name with another layout is
 * an error naming it; DynamoDB failures reject with StoreUnavailableError.
 */
export async function ensureDeviceListTable(
  client: DynamoDBClient,
  tableName: string = DEFAULT_DEVICE_LIST_TABLE,
  opts: EnsureDeviceListTableOptions = {},
): Promise<void> {
  let table = await describeTable(client, tableName);
  if (table?.TableStatus !== 'ACTIVE') {
    if (!table) await createTable(client, tableName, deviceListTableInput(tableName));
    table = await activeTable(client, tableName, opts.maxWaitSeconds ?? 120);
  }
  const mismatch = deviceListTableMismatch(table);
  if (mismatch) throw new Error(`DynamoDB table ${tableName} cannot hold the device list: ${mismatch}`);
  await ensureTimeToLive(client, tableName, EXPIRES_AT, 'the device list');
}

/** The table's description once ACTIVE: with it, the indexes created along with it are ACTIVE too. */
async function activeTable(client: DynamoDBClient, tableName: string, maxWaitSeconds: number): Promise<TableDescription> {
  await sendOrUnavailable('DescribeTable (waiting for ACTIVE)', tableName, () =>
    waitUntilTableExists({ client, maxWaitTime: maxWaitSeconds, minDelay: 1, maxDelay: 5 }, { TableName: tableName }),
  );
  const table = await describeTable(client, tableName);
  if (!table) throw dynamoUnavailable('DescribeTable', tableName, new Error('the table vanished after it became ACTIVE'));
  return table;
}
