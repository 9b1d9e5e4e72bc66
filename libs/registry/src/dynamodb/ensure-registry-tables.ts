import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
  type TableDescription,
  type TimeToLiveDescription,
} from '@aws-sdk/client-dynamodb';
import { sendOrUnavailable } from '@pushwire/dynamodb-kit';
import { dynamoUnavailable } from '@pushwire/service-kit';
import { createTableInput, registrySchemaProblem, TTL_ATTRIBUTE } from './table-schema';

/** The registry's table names (one table: see table-schema.ts for why leases share it). */
export interface RegistryTableNames {
  /** Registrations and edge leases. Usually DEFAULT_REGISTRY_TABLE. */
  readonly table: string;
}

/** Options of ensureRegistryTables. */
export interface EnsureRegistryTablesOptions {
  /** How long to wait for a new table (and its index) to become ACTIVE. Default 120 000 ms. */
  readonly timeoutMs?: number;
  /** Pause between DescribeTable polls while waiting. Default 1 000 ms. */
  readonly pollMs?: number;
}

/**
 * Creates the registry table if it is missing and turns on TTL on `expiresAt`, then returns once
 * the table and its account index are ACTIVE. Safe to run from every replica at every start, at
 * the same time: a table or TTL setting another replica made first is accepted as is. An existing
 * table of that name with another key schema is an error naming the table. DynamoDB failures
 * reject with StoreUnavailableError.
 */
export async function ensureRegistryTables(
  client: DynamoDBClient,
  names: RegistryTableNames,
  opts: EnsureRegistryTablesOptions = {},
): Promise<void> {
  const { table } = names;
  if (!(await describeTable(client, table))) {
    try {
      await client.send(new CreateTableCommand(createTableInput(table)));
    } catch (e) {
      // Another replica created it between our DescribeTable and CreateTable: fine, wait for it below.
      if (!(e instanceof ResourceInUseException)) throw dynamoUnavailable('CreateTable', table, e);
    }
  }
  const description = await waitUntilActive(client, table, opts.timeoutMs ?? 120_000, opts.pollMs ?? 1_000);
  const problem = registrySchemaProblem(description);
  if (problem) throw new Error(`DynamoDB table ${table} exists but cannot hold the registry: ${problem}`);
  await ensureTimeToLive(client, table);
}

async function describeTable(client: DynamoDBClient, table: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: table }))).Table;
  } catch (e) {
    if (e instanceof ResourceNotFoundException) return undefined;
    throw dynamoUnavailable('DescribeTable', table, e);
  }
}

/** A new table is CREATING for a while in real DynamoDB (DynamoDB Local makes it ACTIVE at once). */
async function waitUntilActive(client: DynamoDBClient, table: string, timeoutMs: number, pollMs: number): Promise<TableDescription> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const description = await describeTable(client, table);
    const indexesActive = (description?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE');
    if (description?.TableStatus === 'ACTIVE' && indexesActive) return description;
    if (Date.now() >= deadline) {
      throw new Error(`DynamoDB table ${table} is not ACTIVE after ${timeoutMs} ms (status ${description?.TableStatus ?? 'missing'})`);
    }
    await sleep(pollMs);
  }
}

async function ensureTimeToLive(client: DynamoDBClient, table: string): Promise<void> {
  if (ttlProblem(await describeTimeToLive(client, table), table) === undefined) return;
  try {
    await sendOrUnavailable('UpdateTimeToLive', table, () =>
      client.send(
        new UpdateTimeToLiveCommand({ TableName: table, TimeToLiveSpecification: { Enabled: true, AttributeName: TTL_ATTRIBUTE } }),
      ),
    );
  } catch (e) {
    // A replica starting at the same time may have enabled it first ("TimeToLive is already
    // enabled"): accept what is there now if it is right, else report the original failure.
    if (ttlProblem(await describeTimeToLive(client, table), table) !== undefined) throw e;
  }
}

async function describeTimeToLive(client: DynamoDBClient, table: string): Promise<TimeToLiveDescription | undefined> {
  const out = await sendOrUnavailable('DescribeTimeToLive', table, () => client.send(new DescribeTimeToLiveCommand({ TableName: table })));
  return out.TimeToLiveDescription;
}

/** Undefined when TTL is (being) enabled on expiresAt; a reason otherwise. Throws when TTL is on another attribute. */
function ttlProblem(ttl: TimeToLiveDescription | undefined, table: string): string | undefined {
  const status = ttl?.TimeToLiveStatus ?? 'DISABLED';
  if (status !== 'ENABLED' && status !== 'ENABLING') return `TTL is ${status}`;
  if (ttl?.AttributeName !== TTL_ATTRIBUTE) {
    throw new Error(`DynamoDB table ${table} has TTL on "${ttl?.AttributeName}", the registry needs it on "${TTL_ATTRIBUTE}"`);
  }
  return undefined;
}
