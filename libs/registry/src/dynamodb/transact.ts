import { randomUUID } from 'node:crypto';
import {
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { sendOrUnavailable } from '@pushwire/dynamodb-kit';
import { StoreUnavailableError } from '@pushwire/service-kit';

/** Most items one TransactWriteItems takes. */
export const TRANSACT_MAX_ITEMS = 100;

/** What a transaction came to: written, or cancelled with one reason code per item ('None' for items that were fine). */
export type TransactOutcome = { ok: true } | { ok: false; reasons: string[] };

/** Reasons a transaction may be cancelled for that are answers about its items (any other: the store failed). */
const ANSWERS = new Set(['None', 'ConditionalCheckFailed', 'TransactionConflict']);

/**
 * Writes `items` to `table` in one transaction. A transaction cancelled only by failed conditions
 * or conflicts is an answer (`ok: false` with the reason of each item); any other failure rejects
 * with StoreUnavailableError naming `operation`. The idempotency token makes the SDK's own retry of
 * a transaction that did go through succeed again instead of failing its conditions.
 */
export async function transactWrite(
  client: DynamoDBClient,
  table: string,
  operation: string,
  items: TransactWriteItem[],
): Promise<TransactOutcome> {
  const token = randomUUID();
  return sendOrUnavailable(`TransactWriteItems (${operation})`, table, async () => {
    try {
      await client.send(new TransactWriteItemsCommand({ TransactItems: items, ClientRequestToken: token }));
      return { ok: true } as const;
    } catch (e) {
      if (!(e instanceof TransactionCanceledException)) throw e;
      const reasons = (e.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
      if (reasons.length === 0 || !reasons.every((r) => ANSWERS.has(r))) {
        throw new StoreUnavailableError(
          `dynamodb TransactWriteItems (${operation}) on table ${table} was cancelled: ${reasons.join(', ') || e.message}`,
          { cause: e, retriable: true },
        );
      }
      return { ok: false, reasons } as const;
    }
  });
}
