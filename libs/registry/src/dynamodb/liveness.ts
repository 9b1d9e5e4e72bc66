import type { StoredLease, StoredRecord } from './items';

// The liveness rules of RegistryStore (see registry-store.ts), applied to items as read. Reads must
// apply them themselves: DynamoDB keeps expired items until its TTL sweep, up to days later.

/** A lease is live while its `expiresAt` (epoch seconds) is after now. */
export function leaseIsLive(lease: StoredLease | undefined, nowMs: number): lease is StoredLease {
  return lease !== undefined && lease.lease.expiresAt * 1000 > nowMs;
}

/** A record is not expired while its own `expiresAt` is after now (its lease aside). */
export function recordUnexpired(record: StoredRecord, nowMs: number): boolean {
  return record.registration.expiresAt * 1000 > nowMs;
}

/**
 * A record is live iff it has not expired, its edge's lease is live, and that lease is the one it
 * was written under (same epoch): a lease that lapsed and was taken again does not revive it.
 * `lease` is the current lease item of `record.registration.edgeId`, if any.
 */
export function recordIsLive(record: StoredRecord, lease: StoredLease | undefined, nowMs: number): boolean {
  return recordUnexpired(record, nowMs) && leaseIsLive(lease, nowMs) && record.leaseEpoch === lease.epoch;
}
