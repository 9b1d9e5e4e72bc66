import { Type, type Static } from '@sinclair/typebox';
import { DeviceInfo, DeviceOfflineFrame, DeviceOnlineFrame } from './device-frames';
import { AccountId, ConnectionId, DeviceId, DeviceName, DeviceType, EdgeId, EpochMillis } from './ids';
import { EdgeUrl } from './internal-api';

const strict = { additionalProperties: false } as const;

// ---- pushwire.device-connections: what edges tell the device list ------------------------------

export const DEVICE_CONNECTION_EVENT_KINDS = ['connected', 'disconnected'] as const;
export type DeviceConnectionEventKind = (typeof DEVICE_CONNECTION_EVENT_KINDS)[number];

/**
 * One connection of one device came or went (value of `pushwire.device-connections`, keyed by account
 * id so that one account's events stay in order). The connection id and connect time say which
 * connection the event is about, and `at` when the edge saw it: together they order events, so a late
 * or replayed event never overrides a newer state (see the device list's ordering rule).
 */
export const DeviceConnectionEvent = Type.Object(
  {
    v: Type.Literal(1),
    kind: Type.Union(DEVICE_CONNECTION_EVENT_KINDS.map((k) => Type.Literal(k))),
    accountId: AccountId,
    deviceId: DeviceId,
    deviceType: DeviceType,
    deviceName: Type.Optional(DeviceName),
    connectionId: ConnectionId,
    connectedAt: EpochMillis,
    edgeId: EdgeId,
    edgeUrl: EdgeUrl,
    /** When the edge saw the change (epoch ms). A re-announced `connected` carries a later `at`. */
    at: EpochMillis,
  },
  strict,
);
export type DeviceConnectionEvent = Static<typeof DeviceConnectionEvent>;

// ---- device-list HTTP API: GET /v1/accounts/:accountId/devices ----------------------------------

export const DeviceListResponse = Type.Object({ accountId: AccountId, devices: Type.Array(DeviceInfo) }, strict);
export type DeviceListResponse = Static<typeof DeviceListResponse>;

// ---- edge internal port: POST /v1/notify --------------------------------------------------------

/**
 * A device-list change for the account's devices on one edge: the edge writes `frame` to every
 * connection of the account that sent `devices.subscribe`, except the device the frame is about.
 */
export const AccountNotice = Type.Object({ accountId: AccountId, frame: Type.Union([DeviceOnlineFrame, DeviceOfflineFrame]) }, strict);
export type AccountNotice = Static<typeof AccountNotice>;
export const AccountNoticeResult = Type.Object({ notified: Type.Integer({ minimum: 0 }) }, strict);
export type AccountNoticeResult = Static<typeof AccountNoticeResult>;
