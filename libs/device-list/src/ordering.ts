import type { DeviceRecord, DeviceStateChange } from './device-record';

/**
 * The one rule that makes the device list immune to late, duplicated and replayed events: a change
 * applies only if it is newer than the stored state, where "newer" orders first by the connection's
 * connect time (a newer connection wins over anything about an older one — so a `disconnected` for a
 * replaced connection is ignored), then by connection id (a deterministic tie-break for two
 * connections in the same millisecond), then, for the same connection, by the event's `at` (so a
 * replayed `connected` cannot resurrect a connection whose `disconnected` was applied, while an edge
 * re-announcing a live connection after a lease lapse can).
 *
 * Both stores implement exactly this: the memory store by calling it, the DynamoDB store as a
 * condition expression (see its comment), and the shared contract suite checks both.
 */
export function isNewer(change: DeviceStateChange, current: DeviceRecord | undefined): boolean {
  if (!current) return true;
  if (change.connectedAt !== current.connectedAt) return change.connectedAt > current.connectedAt;
  if (change.connectionId !== current.connectionId) return change.connectionId > current.connectionId;
  return change.at > current.eventAt;
}
