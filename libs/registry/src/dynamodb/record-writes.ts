import { DeleteItemCommand, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DeregisterItem, DeregisterOutcome, RegisterOutcome, Registration } from '@pushwire/protocol';
import { StoreUnavailableError } from '@pushwire/service-kit';
import { conditional } from './dynamo-errors';
import { readLeases } from './edge-leases';
import { parseRecord, recordItem, type StoredLease, type StoredRecord } from './items';
import { leaseIsLive, recordIsLive, recordUnexpired } from './liveness';
import type { TableContext } from './table-context';
import { deviceKey, KEY_ATTRIBUTE, TTL_ATTRIBUTE } from './table-schema';

/** Rounds of conditional writes before a record that keeps changing under us counts as a failure. */
const MAX_WRITE_ROUNDS = 5;

interface Condition {
  ConditionExpression: string;
  ExpressionAttributeValues: Record<string, AttributeValue>;
}

/**
 * The write may go ahead unless the stored record is a newer connection that has not expired:
 * absent, older or equally old (the same connection again: idempotent), or past its expiresAt.
 * Whether a blocking record's edge lease is still live cannot be checked here (another item):
 * registerRecord does that after the condition fails.
 */
export function overwritableCondition(connectedAt: number, nowMs: number): Condition {
  return {
    ConditionExpression: `attribute_not_exists(${KEY_ATTRIBUTE}) OR connectedAt <= :connectedAt OR ${TTL_ATTRIBUTE} <= :now`,
    ExpressionAttributeValues: { ':connectedAt': { N: String(connectedAt) }, ':now': { N: String(nowMs / 1000) } },
  };
}

/**
 * The write may replace exactly this (dead) record: same connection, written under the same lease
 * epoch. If the record changed meanwhile, the write fails and we judge again. An epoch comes back
 * to life only when the edge process that wrote the record re-takes its own lapsed lease; a write
 * racing that moment may replace the revived record, and the edge's re-registration, which follows
 * every re-take, then settles which connection is newer.
 */
export function sameRecordCondition(record: StoredRecord): Condition {
  const values: Record<string, AttributeValue> = { ':connectionId': { S: record.registration.connectionId } };
  let epoch = 'attribute_not_exists(leaseEpoch)';
  if (record.leaseEpoch !== undefined) {
    values[':leaseEpoch'] = { S: record.leaseEpoch };
    epoch = 'leaseEpoch = :leaseEpoch';
  }
  return { ConditionExpression: `connectionId = :connectionId AND ${epoch}`, ExpressionAttributeValues: values };
}

/**
 * Writes one registration unless the stored live record of that device is a newer connection
 * (`stale`). `ownLease` is the lease of the registration's edge as read for this call: the record
 * is stamped with its epoch, or with none when the edge holds no live lease (it then never
 * resolves, as with the memory store).
 *
 * Known window: if the edge's lease lapses and is taken again between that read and this write,
 * and the edge re-registers the same connection in between, this late write stamps the old epoch
 * over it and the device stops resolving until the edge registers again. It needs a lease lapse and
 * a write delayed by the SDK's retries at the same moment; a transaction over the lease item would
 * close it, at four times the write cost and with conflicts between an edge's concurrent registers.
 */
export async function registerRecord(
  ctx: TableContext,
  registration: Registration,
  ownLease: StoredLease | undefined,
  nowMs: number,
): Promise<RegisterOutcome> {
  const item = recordItem(registration, leaseIsLive(ownLease, nowMs) ? ownLease.epoch : undefined);
  let condition = overwritableCondition(registration.connectedAt, nowMs);
  for (let round = 0; round < MAX_WRITE_ROUNDS; round++) {
    const put = await conditional('PutItem', ctx.table, () =>
      ctx.client.send(
        new PutItemCommand({
          TableName: ctx.table,
          Item: item,
          ...condition,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
    if (put.ok) return 'registered';
    const current = put.current && parseRecord(put.current);
    if (!current || !recordUnexpired(current, nowMs) || current.registration.connectedAt <= registration.connectedAt) {
      // The record changed since the write that failed into one we may overwrite: try again.
      condition = overwritableCondition(registration.connectedAt, nowMs);
      continue;
    }
    // A newer connection blocks us. Read its lease now, not from this call's earlier read: a lease
    // taken again since then would make a fresh record look dead.
    const lease = (await readLeases(ctx, [current.registration.edgeId])).get(current.registration.edgeId);
    if (recordIsLive(current, lease, nowMs)) return 'stale';
    condition = sameRecordCondition(current);
  }
  throw new StoreUnavailableError(
    `the record of device ${registration.deviceId} of account ${registration.accountId} kept changing during ${MAX_WRITE_ROUNDS} attempts to register it`,
  );
}

/** Deletes the device's record only while it holds this connection; otherwise `not_current`. */
export async function deregisterRecord(
  ctx: TableContext,
  { accountId, deviceId, connectionId }: DeregisterItem,
): Promise<DeregisterOutcome> {
  const deleted = await conditional('DeleteItem', ctx.table, () =>
    ctx.client.send(
      new DeleteItemCommand({
        TableName: ctx.table,
        Key: deviceKey({ accountId, deviceId }),
        ConditionExpression: 'connectionId = :connectionId',
        ExpressionAttributeValues: { ':connectionId': { S: connectionId } },
      }),
    ),
  );
  return deleted.ok ? 'deregistered' : 'not_current';
}
