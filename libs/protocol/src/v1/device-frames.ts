import { Type, type Static } from '@sinclair/typebox';
import { DELIVERY_STATUSES, ErrorCodes } from './codes';
import { AccountId, ConnectionId, DeviceId, DeviceName, DeviceType, EpochMillis, MessageId, Payload, Priority, RequestId } from './ids';
import {
  BroadcastFrame,
  SubscribeFrame,
  SubscribeResultFrame,
  TopicMessageFrame,
  UnsubscribeFrame,
  UnsubscribeResultFrame,
} from './topics';
import { MAX_TOKEN_BYTES, PROTOCOL_VERSION, RECONNECT_REASONS } from './wire-rules';

const frame = <T extends string, P extends Record<string, import('@sinclair/typebox').TSchema>>(type: T, props: P) =>
  Type.Object({ type: Type.Literal(type), ...props }, { additionalProperties: false });

const StatusSchema = Type.Union(DELIVERY_STATUSES.map((s) => Type.Literal(s)));
const ErrorCodeSchema = Type.Union((Object.keys(ErrorCodes) as (keyof typeof ErrorCodes)[]).map((c) => Type.Literal(c)));

/** What the device list tells about one device of an account. */
export const DeviceInfo = Type.Object(
  {
    deviceId: DeviceId,
    deviceType: DeviceType,
    deviceName: Type.Optional(DeviceName),
    connectedAt: EpochMillis,
  },
  { additionalProperties: false },
);
export type DeviceInfo = Static<typeof DeviceInfo>;

// ---- device → server -------------------------------------------------------------------------

/** `auth`: the first frame with `?auth=frame`, or on an open connection a fresh token for the same device. */
export const AuthFrame = frame('auth', { token: Type.String({ minLength: 1, maxLength: MAX_TOKEN_BYTES }) });
export const AckFrame = frame('ack', { id: MessageId });
export const PingFrame = frame('ping', { t: Type.Optional(Type.Number()) });
export const D2dSendFrame = frame('d2d.send', { reqId: RequestId, to: DeviceId, payload: Payload });
export const DevicesListFrame = frame('devices.list', { reqId: RequestId });
export const DevicesSubscribeFrame = frame('devices.subscribe', { reqId: RequestId });

/** Every frame a device may send, by `type`. */
export const ClientFrameSchemas = {
  auth: AuthFrame,
  ack: AckFrame,
  ping: PingFrame,
  'd2d.send': D2dSendFrame,
  'devices.list': DevicesListFrame,
  'devices.subscribe': DevicesSubscribeFrame,
  subscribe: SubscribeFrame,
  unsubscribe: UnsubscribeFrame,
} as const;
export const ClientFrame = Type.Union(Object.values(ClientFrameSchemas));
export type ClientFrame = Static<typeof ClientFrame>;
export type ClientFrameType = keyof typeof ClientFrameSchemas;

// ---- server → device -------------------------------------------------------------------------

export const WelcomeFrame = frame('welcome', {
  protocol: Type.Literal(PROTOCOL_VERSION),
  connectionId: ConnectionId,
  deviceId: DeviceId,
  accountId: AccountId,
  heartbeatSeconds: Type.Integer({ minimum: 1 }),
  maxLifetimeSeconds: Type.Integer({ minimum: 1 }),
  serverTime: EpochMillis,
  /** When the token expires (server clock); the edge then ends the connection unless an `auth` frame renewed it. */
  tokenExpiresAt: Type.Optional(EpochMillis),
});
/** The answer to an `auth` frame on an open connection: the fresh token is in force until `tokenExpiresAt`. */
export const AuthResultFrame = frame('auth.result', { tokenExpiresAt: Type.Optional(EpochMillis), serverTime: EpochMillis });
export const PushFrame = frame('push', {
  id: MessageId,
  payload: Payload,
  priority: Priority,
  sentAt: EpochMillis,
  ttlSeconds: Type.Optional(Type.Integer({ minimum: 1 })),
  ackRequired: Type.Optional(Type.Boolean()),
});
export const D2dMessageFrame = frame('d2d.message', { id: MessageId, from: DeviceId, payload: Payload });
export const D2dResultFrame = frame('d2d.result', { reqId: RequestId, status: StatusSchema });
export const DevicesListResultFrame = frame('devices.list.result', { reqId: RequestId, devices: Type.Array(DeviceInfo) });
export const DevicesSubscribeResultFrame = frame('devices.subscribe.result', { reqId: RequestId, devices: Type.Array(DeviceInfo) });
export const DeviceOnlineFrame = frame('device.online', { device: DeviceInfo });
export const DeviceOfflineFrame = frame('device.offline', { deviceId: DeviceId });
export const ReconnectFrame = frame('reconnect', {
  afterMs: Type.Integer({ minimum: 0, description: 'Reconnect after a random delay in [0, afterMs].' }),
  reason: Type.Union(RECONNECT_REASONS.map((r) => Type.Literal(r))),
});
export const PongFrame = frame('pong', { t: Type.Optional(Type.Number()), serverTime: EpochMillis });
export const ErrorFrame = frame('error', {
  code: ErrorCodeSchema,
  message: Type.String(),
  reqId: Type.Optional(RequestId),
});

/** Every frame the server may send, by `type`. */
export const ServerFrameSchemas = {
  welcome: WelcomeFrame,
  'auth.result': AuthResultFrame,
  push: PushFrame,
  'd2d.message': D2dMessageFrame,
  'd2d.result': D2dResultFrame,
  'devices.list.result': DevicesListResultFrame,
  'devices.subscribe.result': DevicesSubscribeResultFrame,
  'device.online': DeviceOnlineFrame,
  'device.offline': DeviceOfflineFrame,
  'subscribe.result': SubscribeResultFrame,
  'unsubscribe.result': UnsubscribeResultFrame,
  'topic.message': TopicMessageFrame,
  broadcast: BroadcastFrame,
  reconnect: ReconnectFrame,
  pong: PongFrame,
  error: ErrorFrame,
} as const;
export const ServerFrame = Type.Union(Object.values(ServerFrameSchemas));
export type ServerFrame = Static<typeof ServerFrame>;
export type ServerFrameType = keyof typeof ServerFrameSchemas;
export type ServerFrameOf<T extends ServerFrameType> = Static<(typeof ServerFrameSchemas)[T]>;
export type ClientFrameOf<T extends ClientFrameType> = Static<(typeof ClientFrameSchemas)[T]>;
