import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { deviceRefKey, type RegisterOutcome, type Registration } from '@pushwire/protocol';
import { recordItem, type StoredLease } from './items';
import { leaseIsLive } from './liveness';
import { mapLimit } from './map-limit';
import { overwritableCondition, registerRecord } from './record-writes';
import type { TableContext } from './table-context';
import { TRANSACT_MAX_ITEMS, transactWrite } from './transact';

/** Transactions of one register batch in flight at once. */
const TRANSACTIONS_IN_FLIGHT = 5;

/**
 * Registers a batch the fast way: the records go in transactions of up to 100 conditional puts
 * (the same condition as registerRecord's first write), so an edge re-registering its 500
 * connections after a lease lapse makes 5 requests instead of 500. DynamoDB Local spends ~10 ms on
 * each request whatever its size; real DynamoDB charges a transaction twice the write units of
 * single puts, paid once per (re)registration burst.
 *
 * What a transaction cannot settle goes through registerRecord one by one, as before: a record a
 * condition refused (a newer connection, live or dead: registerRecord reads its lease and decides
 * `stale` or overwrites it), items of a transaction that conflicted with another write, and a device
 * named twice in the batch (a transaction may touch an item once). A cancelled transaction is tried
 * once more without the items whose condition failed, since the others were fine.
 */
export async function registerBatch(
  ctx: TableContext,
  registrations: Registration[],
  leases: ReadonlyMap<string, StoredLease>,
  nowMs: number,
  writeConcurrency: number,
): Promise<RegisterOutcome[]> {
  const outcomes = new Array<RegisterOutcome | undefined>(registrations.length);
  const seen = new Set<string>();
  const first: number[] = [];
  registrations.forEach((r, i) => {
    const key = deviceRefKey(r);
    if (!seen.has(key)) first.push(i);
    seen.add(key);
  });
  const chunks: number[][] = [];
  for (let i = 0; i < first.length; i += TRANSACT_MAX_ITEMS) chunks.push(first.slice(i, i + TRANSACT_MAX_ITEMS));

  const put = (i: number): TransactWriteItem => {
    const r = registrations[i]!;
    const lease = leases.get(r.edgeId);
    return {
      Put: {
        TableName: ctx.table,
        Item: recordItem(r, leaseIsLive(lease, nowMs) ? lease.epoch : undefined),
        ...overwritableCondition(r.connectedAt, nowMs),
      },
    };
  };
  await mapLimit(chunks, TRANSACTIONS_IN_FLIGHT, async (chunk) => {
    let pending = chunk;
    for (let attempt = 0; attempt < 2 && pending.length > 0; attempt++) {
      const written = await transactWrite(ctx.client, ctx.table, 'register', pending.map(put));
      if (written.ok) {
        for (const i of pending) outcomes[i] = 'registered';
        return;
      }
      // Only the items that were fine go again; the refused ones are left to registerRecord.
      pending = pending.filter((_, n) => written.reasons[n] === 'None');
    }
  });

  const rest = registrations.map((_, i) => i).filter((i) => outcomes[i] === undefined);
  await mapLimit(rest, writeConcurrency, async (i) => {
    const r = registrations[i]!;
    outcomes[i] = await registerRecord(ctx, r, leases.get(r.edgeId), nowMs);
  });
  return outcomes as RegisterOutcome[];
}
