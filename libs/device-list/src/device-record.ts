import type { DeviceConnectionEvent, DeviceInfo } from '@pushwire/protocol';

/**
 * What the device list keeps per device: the state of its newest known connection. Offline records
 * are kept (not deleted) so that a late event about an older connection still finds the newer state
 * to lose against; stores expire them after a retention period.
 */
export interface DeviceRecord {
  accountId: string;
  deviceId: string;
  deviceType: string;
  deviceName?: string;
  connectionId: string;
  connectedAt: number;
  edgeId: string;
  edgeUrl: string;
  online: boolean;
  /** `at` of the event that wrote this state (epoch ms). */
  eventAt: number;
}

/** A state change to apply: an edge's event, or a synthetic disconnect for an edge whose lease lapsed. */
export type DeviceStateChange = DeviceConnectionEvent;

export function recordOf(change: DeviceStateChange): DeviceRecord {
  return {
    accountId: change.accountId,
    deviceId: change.deviceId,
    deviceType: change.deviceType,
    ...(change.deviceName !== undefined ? { deviceName: change.deviceName } : {}),
    connectionId: change.connectionId,
    connectedAt: change.connectedAt,
    edgeId: change.edgeId,
    edgeUrl: change.edgeUrl,
    online: change.kind === 'connected',
    eventAt: change.at,
  };
}

export function deviceInfoOf(r: DeviceRecord): DeviceInfo {
  return {
    deviceId: r.deviceId,
    deviceType: r.deviceType,
    ...(r.deviceName !== undefined ? { deviceName: r.deviceName } : {}),
    connectedAt: r.connectedAt,
  };
}
