import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { dynamoUnavailable } from '@pushwire/service-kit';
import { sendOrUnavailable } from './send-or-unavailable';

// The steps a service's "ensure my table" shares with every other one, safe for several replicas
// starting at once. Checking the table's layout stays with each store.

/** The table's description, or undefined when there is no such table; any other failure is StoreUnavailableError. */
export async function describeTable(client: DynamoDBClient, table: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: table }))).Table;
  } catch (e) {
    if (e instanceof ResourceNotFoundException) return undefined;
    throw dynamoUnavailable('DescribeTable', table, e);
  }
}

/** Creates `table` as `input` says; one another replica created since we looked (ResourceInUse) is just as good. */
export async function createTable(client: DynamoDBClient, table: string, input: CreateTableCommandInput): Promise<void> {
  try {
    await client.send(new CreateTableCommand({ ...input, TableName: table }));
  } catch (e) {
    if (!(e instanceof ResourceInUseException)) throw dynamoUnavailable('CreateTable', table, e);
  }
}

/**
 * Turns TTL on for `attribute` unless it is on (or turning on) already. DynamoDB refuses a second
 * UpdateTimeToLive ("TimeToLive is already enabled") and a replica starting at the same time may
 * enable it first, so when the update fails the setting is read again and accepted if it is right;
 * else the update's failure stands. TTL on another attribute is an error naming the table and what
 * needs it (`owner`, e.g. "the registry").
 */
export async function ensureTimeToLive(client: DynamoDBClient, table: string, attribute: string, owner: string): Promise<void> {
  if (await ttlEnabled(client, table, attribute, owner)) return;
  try {
    await sendOrUnavailable('UpdateTimeToLive', table, () =>
      client.send(new UpdateTimeToLiveCommand({ TableName: table, TimeToLiveSpecification: { Enabled: true, AttributeName: attribute } })),
    );
  } catch (e) {
    if (!(await ttlEnabled(client, table, attribute, owner))) throw e;
  }
}

/** Whether TTL is (being) enabled on `attribute`; an error if it is on another one. */
async function ttlEnabled(client: DynamoDBClient, table: string, attribute: string, owner: string): Promise<boolean> {
  const { TimeToLiveDescription: ttl } = await sendOrUnavailable('DescribeTimeToLive', table, () =>
    client.send(new DescribeTimeToLiveCommand({ TableName: table })),
  );
  if (ttl?.TimeToLiveStatus !== 'ENABLED' && ttl?.TimeToLiveStatus !== 'ENABLING') return false;
  if (ttl.AttributeName === attribute) return true;
  throw new Error(`DynamoDB table ${table} has TTL on "${ttl.AttributeName}"; ${owner} needs it on "${attribute}"`);
}

/**
 * Waits until `table` and all its global secondary indexes are ACTIVE and returns its description:
 * a new table is CREATING for a while in real DynamoDB (DynamoDB Local makes it ACTIVE at once).
 * Not ACTIVE after `timeoutMs`: an error naming the table and its status.
 */
export async function waitUntilActive(client: DynamoDBClient, table: string, timeoutMs: number, pollMs: number): Promise<TableDescription> {
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
