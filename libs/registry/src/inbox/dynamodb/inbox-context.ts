import { QueryCommand, type DynamoDBClient, type QueryCommandInput, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { sendOrUnavailable } from '@pushwire/dynamodb-kit';
import { transactWrite, type TransactOutcome } from '../../dynamodb/transact';
import type { Item } from './inbox-items';

/** The client and table the parts of DynamoInboxStore share, and the two requests they all make. */
export class InboxTableContext {
  constructor(
    readonly client: DynamoDBClient,
    readonly table: string,
  ) {}

  /** Writes `items` in one transaction (see transactWrite): written, or the reason each item refused. */
  transact(operation: string, items: TransactWriteItem[]): Promise<TransactOutcome> {
    return transactWrite(this.client, this.table, operation, items);
  }

  /** Every item a Query finds, all pages, strongly consistent unless it reads an index. */
  async queryAll(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const page = await sendOrUnavailable('Query', this.table, () =>
        this.client.send(
          new QueryCommand({ ...input, TableName: this.table, ExclusiveStartKey: startKey, ConsistentRead: input.IndexName === undefined }),
        ),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}
