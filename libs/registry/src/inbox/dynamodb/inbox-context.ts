import { randomUUID } from 'node:crypto';
import {
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type DynamoDBClient,
  type QueryCommandInput,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { sendOrUnavailable } from '@pushwire/dynamodb-kit';
import { StoreUnavailableError } from '@pushwire/service-kit';
import type { Item } from './inbox-items';

/** What a transaction came to: written, or cancelled with one reason code per item ('None' for items that were fine). */
export type TransactOutcome = { ok: true } | { ok: false; reasons: string[] };

/** Reasons a transaction may be cancelled for that are answers about the items (else: the store failed). */
const ANSWERS = new Set(['None', 'ConditionalCheckFailed', 'TransactionConflict']);

/** The client and table the parts of DynamoInboxStore share, and the two requests they all make. */
export class InboxTableContext {
  constructor(
    readonly client: DynamoDBClient,
    readonly table: string,
  ) {}

  /**
   * Writes `items` in one transaction. A cancelled transaction whose reasons are all failed
   * conditions or conflicts is an answer (`ok: false`); any other failure is StoreUnavailableError.
   * The idempotency token makes the SDK's own retry of a transaction that did go through succeed
   * again instead of failing its conditions: a take must not be lost to a retried request.
   */
  async transact(operation: string, items: TransactWriteItem[]): Promise<TransactOutcome> {
    const token = randomUUID();
    return sendOrUnavailable(`TransactWriteItems (${operation})`, this.table, async () => {
      try {
        await this.client.send(new TransactWriteItemsCommand({ TransactItems: items, ClientRequestToken: token }));
        return { ok: true } as const;
      } catch (e) {
        if (!(e instanceof TransactionCanceledException)) throw e;
        const reasons = (e.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
        if (reasons.length === 0 || !reasons.every((r) => ANSWERS.has(r))) {
          throw new StoreUnavailableError(
            `dynamodb TransactWriteItems (${operation}) on table ${this.table} was cancelled: ${reasons.join(', ') || e.message}`,
            {
              cause: e,
              retriable: true,
            },
          );
        }
        return { ok: false, reasons } as const;
      }
    });
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
