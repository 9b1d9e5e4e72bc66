import type { ClusterEdge } from '@pushwire/cluster';
import { DeviceClient, type DeviceClientOptions } from '@pushwire/device-client';
import { RawWebSocket } from '../../src';
import { track } from './cleanup';
import type { Hostile } from './hostile-cluster';

/** The device port of `edge`, as a number. */
export const devicePortOf = (edge: ClusterEdge): number => Number(new URL(edge.deviceUrl).port);
/** The internal port of `edge`, as a number. */
export const internalPortOf = (edge: ClusterEdge): number => Number(new URL(edge.internalUrl).port);

/** Whether a message is a frame of `type` (and, with `extra`, has those fields). */
export const frameOf =
  (type: string, extra: Record<string, unknown> = {}) =>
  (m: unknown): boolean =>
    typeof m === 'object' &&
    m !== null &&
    (m as { type?: unknown }).type === type &&
    Object.entries(extra).every(([k, v]) => (m as Record<string, unknown>)[k] === v);

/** A device of `accountId` connected with the SDK (no auto-reconnect), closed after the test. */
export async function sdkDevice(
  h: Hostile,
  edge: ClusterEdge,
  accountId: string,
  deviceId: string,
  opts: Partial<DeviceClientOptions> = {},
): Promise<DeviceClient> {
  const token = await h.token(accountId, deviceId);
  const client = track(new DeviceClient({ url: edge.deviceUrl, token, reconnect: { enabled: false }, ...opts }));
  client.on('error', () => undefined); // tests assert on states and frames; SDK errors are not what they check
  await client.connect();
  return client;
}

/** A device of `accountId` on a raw WebSocket (Bearer header), welcomed, closed after the test. */
export async function rawDevice(h: Hostile, edge: ClusterEdge, accountId: string, deviceId: string): Promise<RawWebSocket> {
  const ws = track(
    await RawWebSocket.open(devicePortOf(edge), '/v1/connect', [['Authorization', `Bearer ${await h.token(accountId, deviceId)}`]]),
  );
  await ws.next(frameOf('welcome'), 5000, 'welcome');
  return ws;
}
