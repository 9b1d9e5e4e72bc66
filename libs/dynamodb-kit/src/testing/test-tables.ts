import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type TableDescription,
  type TimeToLiveDescription,
} from '@aws-sdk/client-dynamodb';

/** The tables of one integration spec file on DynamoDB Local (see `testTables`). */
export interface TestTables {
  /** A short id of this run, unique enough to keep concurrent runs' items and tables apart. */
  readonly run: string;
  /** A new table name `<prefix>-<purpose>-<run>`, deleted after the file's tests. */
  name(purpose: string): string;
  /** Makes a table named for `purpose` with a key schema no Pushwire store uses, and returns its name. */
  foreign(purpose: string): Promise<string>;
}

/**
 * Table names for a spec file on DynamoDB Local, each deleted after the file (and `client` then
 * destroyed), so runs leave nothing behind and never meet each other's tables. Call it at the top
 * of the file: it registers the `afterAll`.
 */
export function testTables(client: DynamoDBClient, prefix: string): TestTables {
  const run = randomUUID().slice(0, 8);
  const made: string[] = [];
  afterAll(async () => {
    for (const name of made) await client.send(new DeleteTableCommand({ TableName: name }));
    client.destroy();
  });
  const name = (purpose: string) => {
    const table = `${prefix}-${purpose}-${run}`;
    made.push(table);
    return table;
  };
  return {
    run,
    name,
    foreign: async (purpose) => {
      const table = name(purpose);
      await client.send(
        new CreateTableCommand({
          TableName: table,
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [{ AttributeName: 'foreignKey', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'foreignKey', AttributeType: 'S' }],
        }),
      );
      return table;
    },
  };
}

/** What a table ended up as: its description and its TTL setting. */
export interface EnsuredTable {
  readonly table: TableDescription | undefined;
  readonly ttl: TimeToLiveDescription | undefined;
}

/**
 * Runs a store's `ensure` for `table` as three replicas starting at once would, then once more, and
 * reads back what the table ended up as, for the spec to check.
 */
export async function ensuredByReplicas(
  client: DynamoDBClient,
  table: string,
  ensure: (client: DynamoDBClient, table: string) => Promise<void>,
): Promise<EnsuredTable> {
  await Promise.all([1, 2, 3].map(() => ensure(client, table)));
  await ensure(client, table);
  const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
  const { TimeToLiveDescription } = await client.send(new DescribeTimeToLiveCommand({ TableName: table }));
  return { table: Table, ttl: TimeToLiveDescription };
}
