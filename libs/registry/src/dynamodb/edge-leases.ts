import { randomUUID } from 'node:crypto';
import { DeleteItemCommand, PutItemCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { sendOrUnavailable } from '@pushwire/dynamodb-kit';
import type { Lease, LeaseResponse } from '@pushwire/protocol';
import { StoreUnavailableError } from '@pushwire/service-kit';
import { conditional } from './dynamo-errors';
import { INCARNATION, leaseItem, parseLease, type StoredLease } from './items';
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
 * under the old epoch stay dead until the edge registers them again). A lapsed lease last held by
 * the same `incarnation` is taken again under its old epoch (`renewed: false` still: the edge
 * re-registers, but its records resolve meanwhile). All writes are conditional, so two registry
 * replicas renewing at once cannot both "take" it.
 */
export async function renewLease(
  ctx: TableContext,
  edgeId: string,
  edgeUrl: string,
  ttlSeconds: number,
  nowMs: number,
  incarnation?: string,
): Promise<LeaseResponse> {
  const lease: Lease = { edgeId, edgeUrl, expiresAt: Math.floor(nowMs / 1000) + ttlSeconds };
  // Exact in seconds (a decimal number), so "live" means expiresAt · 1000 > nowMs as everywhere else.
  const now = { N: String(nowMs / 1000) };
  const values: Record<string, AttributeValue> = { ':url': { S: edgeUrl }, ':exp': { N: String(lease.expiresAt) }, ':now': now };
  if (incarnation !== undefined) values[':inc'] = { S: incarnation };
  for (let round = 0; round < MAX_LEASE_ROUNDS; round++) {
    // One write extends a live lease, or re-takes our own lapsed one: neither touches the epoch.
    const extended = await conditional('UpdateItem', ctx.table, () =>
      ctx.client.send(
        new UpdateItemCommand({
          TableName: ctx.table,
          Key: leaseKey(edgeId),
          UpdateExpression:
            incarnation !== undefined
              ? `SET edgeUrl = :url, ${TTL_ATTRIBUTE} = :exp, ${INCARNATION} = :inc`
              : `SET edgeUrl = :url, ${TTL_ATTRIBUTE} = :exp REMOVE ${INCARNATION}`,
          // False for a missing item too: UpdateItem must not create a lease without an epoch.
          ConditionExpression: incarnation !== undefined ? `${TTL_ATTRIBUTE} > :now OR ${INCARNATION} = :inc` : `${TTL_ATTRIBUTE} > :now`,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    if (extended.ok) {
      const before = extended.value.Attributes?.[TTL_ATTRIBUTE]?.N;
      return { lease, renewed: before !== undefined && Number(before) * 1000 > nowMs };
    }

    const taken = await conditional('PutItem', ctx.table, () =>
      ctx.client.send(
        new PutItemCommand({
          TableName: ctx.table,
          Item: leaseItem(lease, randomUUID(), incarnation),
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
