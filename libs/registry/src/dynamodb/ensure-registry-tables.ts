import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTable, describeTable, ensureTimeToLive, waitUntilActive } from '@pushwire/dynamodb-kit';
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
  if (!(await describeTable(client, table))) await createTable(client, table, createTableInput(table));
  const description = await waitUntilActive(client, table, opts.timeoutMs ?? 120_000, opts.pollMs ?? 1_000);
  const problem = registrySchemaProblem(description);
  if (problem) throw new Error(`DynamoDB table ${table} exists but cannot hold the registry: ${problem}`);
  await ensureTimeToLive(client, table, TTL_ATTRIBUTE, 'the registry');
}
