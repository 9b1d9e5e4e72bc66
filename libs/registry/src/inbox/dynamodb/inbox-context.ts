import {
  BatchGetItemCommand,
  QueryCommand,
  type BatchGetItemCommandInput,
  type DynamoDBClient,
  type QueryCommandInput,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { sendOrUnavailable } from '@pushwire/dynamodb-kit';
import { batchGetAll } from '../../dynamodb/batch-get';
import { transactWrite, type TransactOutcome } from '../../dynamodb/transact';
import type { Item } from './inbox-items';

/** Unprocessed keys of a BatchGetItem are asked for again this often, with this backoff, as in the registry store. */
const BATCH_GET_RETRY = { maxAttempts: 5, baseDelayMs: 50, maxDelayMs: 1_000, random: Math.random };

/** The client and table the parts of DynamoInboxStore share, and the requests they all make. */
export class InboxTableContext {
  constructor(
    readonly client: DynamoDBClient,
    readonly table: string,
  ) {}

  /** Writes `items` in one transaction (see transactWrite): written, or the reason each item refused. */
  transact(operation: string, items: TransactWriteItem[]): Promise<TransactOutcome> {
    return transactWrite(this.client, this.table, operation, items);
  }

  /** Consistent reads of distinct keys, any number of them; absent items are simply missing. */
  batchGet(keys: readonly Item[]): Promise<Item[]> {
    const send = (input: BatchGetItemCommandInput) =>
      sendOrUnavailable('BatchGetItem', this.table, () => this.client.send(new BatchGetItemCommand(input)));
    return batchGetAll(send, this.table, keys, BATCH_GET_RETRY);
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
