import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { PushwireError, type Lease, type Registration } from '@pushwire/protocol';
import { ACCOUNT_ATTRIBUTE, deviceKey, KEY_ATTRIBUTE, leaseKey, TTL_ATTRIBUTE } from './table-schema';

// Explicit marshalling of the two fixed item shapes: no `undefined` to strip, numbers as DynamoDB
// numbers (the TTL attribute must be a Number), and a clear error for an item nobody should have
// written, rather than a half-filled Registration.

export type Item = Record<string, AttributeValue>;

/** A registration as stored: the record plus the epoch of its edge's lease when it was written. */
export interface StoredRecord {
  readonly registration: Registration;
  /** Absent when the edge held no live lease at the time: such a record never resolves. */
  readonly leaseEpoch?: string;
}

/** An edge lease as stored: `epoch` changes every time the lease is taken afresh. */
export interface StoredLease {
  readonly lease: Lease;
  readonly epoch: string;
}

export function recordItem(registration: Registration, leaseEpoch: string | undefined): Item {
  const r = registration;
  const item: Item = {
    ...deviceKey(r),
    deviceId: { S: r.deviceId },
    [ACCOUNT_ATTRIBUTE]: { S: r.accountId },
    deviceType: { S: r.deviceType },
    edgeId: { S: r.edgeId },
    edgeUrl: { S: r.edgeUrl },
    connectionId: { S: r.connectionId },
    connectedAt: { N: String(r.connectedAt) },
    [TTL_ATTRIBUTE]: { N: String(r.expiresAt) },
  };
  if (r.deviceName !== undefined) item.deviceName = { S: r.deviceName };
  if (leaseEpoch !== undefined) item.leaseEpoch = { S: leaseEpoch };
  return item;
}

export function parseRecord(item: Item): StoredRecord {
  const registration: Registration = {
    deviceId: str(item, 'deviceId'),
    accountId: str(item, ACCOUNT_ATTRIBUTE),
    deviceType: str(item, 'deviceType'),
    edgeId: str(item, 'edgeId'),
    edgeUrl: str(item, 'edgeUrl'),
    connectionId: str(item, 'connectionId'),
    connectedAt: num(item, 'connectedAt'),
    expiresAt: num(item, TTL_ATTRIBUTE),
  };
  if (item.deviceName?.S !== undefined) registration.deviceName = item.deviceName.S;
  const leaseEpoch = item.leaseEpoch?.S;
  return leaseEpoch === undefined ? { registration } : { registration, leaseEpoch };
}

/** Attribute of a lease item naming the edge process that holds it (absent when it did not say). */
export const INCARNATION = 'incarnation';

export function leaseItem(lease: Lease, epoch: string, incarnation?: string): Item {
  const item: Item = {
    ...leaseKey(lease.edgeId),
    edgeId: { S: lease.edgeId },
    edgeUrl: { S: lease.edgeUrl },
    [TTL_ATTRIBUTE]: { N: String(lease.expiresAt) },
    epoch: { S: epoch },
  };
  if (incarnation !== undefined) item[INCARNATION] = { S: incarnation };
  return item;
}

export function parseLease(item: Item): StoredLease {
  return {
    lease: { edgeId: str(item, 'edgeId'), edgeUrl: str(item, 'edgeUrl'), expiresAt: num(item, TTL_ATTRIBUTE) },
    epoch: str(item, 'epoch'),
  };
}

/** A registry item that lacks an attribute it must have: written by something other than this store. */
export class MalformedRegistryItemError extends PushwireError {
  override readonly name = 'MalformedRegistryItemError';
  constructor(message: string) {
    super('corrupt_record', message);
  }
}

function str(item: Item, name: string): string {
  const value = item[name]?.S;
  if (value === undefined) throw malformed(item, `string attribute "${name}"`);
  return value;
}

function num(item: Item, name: string): number {
  const raw = item[name]?.N;
  const value = raw === undefined ? NaN : Number(raw);
  if (!Number.isFinite(value)) throw malformed(item, `number attribute "${name}"`);
  return value;
}

function malformed(item: Item, what: string): MalformedRegistryItemError {
  return new MalformedRegistryItemError(`registry item ${item[KEY_ATTRIBUTE]?.S ?? '(no key)'} lacks the ${what}`);
}
