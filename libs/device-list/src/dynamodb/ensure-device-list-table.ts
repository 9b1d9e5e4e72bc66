import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type DynamoDBClient,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { sendOrUnavailable } from '@pushwire/dynamodb-kit';
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
  let table = await findTable(client, tableName);
  if (table?.TableStatus !== 'ACTIVE') {
    if (!table) await createTable(client, tableName);
    table = await activeTable(client, tableName, opts.maxWaitSeconds ?? 120);
  }
  const mismatch = deviceListTableMismatch(table);
  if (mismatch) throw new Error(`DynamoDB table ${tableName} cannot hold the device list: ${mismatch}`);
  await enableTtl(client, tableName);
}

async function findTable(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (e) {
    if (e instanceof ResourceNotFoundException) return undefined;
    throw dynamoUnavailable('DescribeTable', tableName, e);
  }
}

async function createTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new CreateTableCommand(deviceListTableInput(tableName)));
  } catch (e) {
    // In use: another replica created it since our DescribeTable. Waiting for ACTIVE covers both.
    if (!(e instanceof ResourceInUseException)) throw dynamoUnavailable('CreateTable', tableName, e);
  }
}

/** The table's description once ACTIVE: with it, the indexes created along with it are ACTIVE too. */
async function activeTable(client: DynamoDBClient, tableName: string, maxWaitSeconds: number): Promise<TableDescription> {
  await sendOrUnavailable('DescribeTable (waiting for ACTIVE)', tableName, () =>
    waitUntilTableExists({ client, maxWaitTime: maxWaitSeconds, minDelay: 1, maxDelay: 5 }, { TableName: tableName }),
  );
  const table = await findTable(client, tableName);
  if (!table) throw dynamoUnavailable('DescribeTable', tableName, new Error('the table vanished after it became ACTIVE'));
  return table;
}

/**
 * Turns TTL on for `expiresAt` unless it is on (or turning on) already. DynamoDB refuses a second
 * UpdateTimeToLive ("TimeToLive is already enabled"), so when the update fails, the setting is read
 * again: another replica may have made it meanwhile.
 */
async function enableTtl(client: DynamoDBClient, tableName: string): Promise<void> {
  if (await ttlEnabled(client, tableName)) return;
  try {
    await sendOrUnavailable('UpdateTimeToLive', tableName, () =>
      client.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { Enabled: true, AttributeName: EXPIRES_AT },
        }),
      ),
    );
  } catch (e) {
    if (!(await ttlEnabled(client, tableName))) throw e;
  }
}

/** Whether TTL is (being) enabled on `expiresAt`; an error if it is on another attribute. */
async function ttlEnabled(client: DynamoDBClient, tableName: string): Promise<boolean> {
  const { TimeToLiveDescription: ttl } = await sendOrUnavailable('DescribeTimeToLive', tableName, () =>
    client.send(new DescribeTimeToLiveCommand({ TableName: tableName })),
  );
  if (ttl?.TimeToLiveStatus !== 'ENABLED' && ttl?.TimeToLiveStatus !== 'ENABLING') return false;
  if (ttl.AttributeName === EXPIRES_AT) return true;
  throw new Error(`DynamoDB table ${tableName} has TTL on "${ttl.AttributeName}"; the device list needs it on "${EXPIRES_AT}"`);
}
