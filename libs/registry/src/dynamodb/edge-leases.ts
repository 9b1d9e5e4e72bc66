import { randomUUID } from 'node:crypto';
import { DeleteItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { sendOrUnavailable } from '@pushwire/dynamodb-kit';
import type { Lease, LeaseResponse } from '@pushwire/protocol';
import { StoreUnavailableError } from '@pushwire/service-kit';
import { conditional } from './dynamo-errors';
import { leaseItem, parseLease, type StoredLease } from './items';
import type { TableContext } from './table-context';
import { KEY_ATTRIBUTE, leaseKey, TTL_ATTRIBUTE } from './table-schema';

/** Rounds of extend-or-take before a lease that keeps changing under us counts as a failure. */
const MAX_LEASE_ROUNDS = 4;

/**
 * Current lease items of these edges, read strongly consistent: an eventually consistent read could
 * still show a lease that was just released, or miss the new epoch of one just taken again.
 * Nothing is cached across calls, so a lapsed lease never looks live. The cost: every lookup reads
 * one lease item per distinct edge in it (1 RCU each), and one edge's lease item lives in one
 * partition (about 3,000 strongly consistent reads/s), which bounds lookups per second per edge
 * unless senders batch their lookups (one lease read serves a whole batch).
 */
export async function readLeases(ctx: TableContext, edgeIds: Iterable<string>): Promise<Map<string, StoredLease>> {
  const ids = [...new Set(edgeIds)];
  const leases = new Map<string, StoredLease>();
  if (ids.length === 0) return leases;
  for (const item of await ctx.batchGet(ids.map(leaseKey))) {
    const stored = parseLease(item);
    leases.set(stored.lease.edgeId, stored);
  }
  return leases;
}

/**
 * Extends the edge's live lease (same epoch, so its records stay live: `renewed: true`), or takes it
 * afresh under a new random epoch when it is absent or lapsed (`renewed: false`: records written
 * under the old epoch stay dead until the edge registers them again). Both writes are conditional,
 * so two registry replicas renewing at once cannot both "take" it.
 */
export async function renewLease(
  ctx: TableContext,
  edgeId: string,
  edgeUrl: string,
  ttlSeconds: number,
  nowMs: number,
): Promise<LeaseResponse> {
  const lease: Lease = { edgeId, edgeUrl, expiresAt: Math.floor(nowMs / 1000) + ttlSeconds };
  // Exact in seconds (a decimal number), so "live" means expiresAt · 1000 > nowMs as everywhere else.
  const now = { N: String(nowMs / 1000) };
  for (let round = 0; round < MAX_LEASE_ROUNDS; round++) {
    const extended = await conditional('UpdateItem', ctx.table, () =>
      ctx.client.send(
        new UpdateItemCommand({
          TableName: ctx.table,
          Key: leaseKey(edgeId),
          UpdateExpression: `SET edgeUrl = :url, ${TTL_ATTRIBUTE} = :exp`,
          // False for a missing item too: UpdateItem must not create a lease without an epoch.
          ConditionExpression: `${TTL_ATTRIBUTE} > :now`,
          ExpressionAttributeValues: { ':url': { S: edgeUrl }, ':exp': { N: String(lease.expiresAt) }, ':now': now },
        }),
      ),
    );
    if (extended.ok) return { lease, renewed: true };

    const taken = await conditional('PutItem', ctx.table, () =>
      ctx.client.send(
        new PutItemCommand({
          TableName: ctx.table,
          Item: leaseItem(lease, randomUUID()),
          ConditionExpression: `attribute_not_exists(${KEY_ATTRIBUTE}) OR ${TTL_ATTRIBUTE} <= :now`,
          ExpressionAttributeValues: { ':now': now },
        }),
      ),
    );
    if (taken.ok) return { lease, renewed: false };
    // Another replica took the lease between our two writes: it is live now, so extend it.
  }
  throw new StoreUnavailableError(`the lease of edge ${edgeId} kept changing during ${MAX_LEASE_ROUNDS} attempts to renew it`);
}

/** Deletes the edge's lease: its records stop resolving at once. Idempotent. */
export async function releaseLease(ctx: TableContext, edgeId: string): Promise<void> {
  await sendOrUnavailable('DeleteItem', ctx.table, () =>
    ctx.client.send(new DeleteItemCommand({ TableName: ctx.table, Key: leaseKey(edgeId) })),
  );
}
