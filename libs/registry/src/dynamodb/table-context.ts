import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Item } from './items';
import type { Key } from './table-schema';

/** What the parts of DynamoRegistryStore share: the client, the table, and its batch reader. */
export interface TableContext {
  readonly client: DynamoDBClient;
  readonly table: string;
  /** Consistent reads of distinct keys, any number of them; absent items are simply missing. */
  readonly batchGet: (keys: readonly Key[]) => Promise<Item[]>;
}
