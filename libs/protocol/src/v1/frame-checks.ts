import { any, arrayOf, bool, int, num, obj, oneOf, optional, str, type Check, type OptionalCheck } from '../checks';
import { DELIVERY_STATUSES, ErrorCodes } from './codes';
import {
  DEVICE_TYPE_PATTERN,
  ID_PATTERN,
  MAX_DEVICE_NAME_LENGTH,
  MAX_DEVICE_TYPE_LENGTH,
  MAX_EPOCH_MILLIS,
  MAX_ID_LENGTH,
  MAX_SHORT_ID_LENGTH,
  MAX_TOKEN_BYTES,
  MAX_TOPIC_EPOCH_LENGTH,
  MAX_TOPIC_NAME_LENGTH,
  PRIORITIES,
  PROTOCOL_VERSION,
  RECONNECT_REASONS,
  SUBSCRIBE_STATUSES,
  TOPIC_EPOCH_PATTERN,
  TOPIC_NAME_PATTERN,
  UNSUBSCRIBE_STATUSES,
} from './wire-rules';

// The device frames of device-frames.ts and topics.ts as hand-written checks (see ../checks.ts for
// why): one line per schema, in the same order, so a change to a schema shows where to change here;
// frame-checks.spec.ts fails when the two disagree.

const id = str(1, MAX_ID_LENGTH, ID_PATTERN);
const shortId = str(1, MAX_SHORT_ID_LENGTH, ID_PATTERN);
const epochMillis = int(0, MAX_EPOCH_MILLIS);
const topicName = str(1, MAX_TOPIC_NAME_LENGTH, TOPIC_NAME_PATTERN);
const topicEpoch = str(1, MAX_TOPIC_EPOCH_LENGTH, TOPIC_EPOCH_PATTERN);
const topicOffset = int(0, Number.MAX_SAFE_INTEGER);
const deviceInfo = obj({
  deviceId: id,
  deviceType: str(1, MAX_DEVICE_TYPE_LENGTH, DEVICE_TYPE_PATTERN),
  deviceName: optional(str(1, MAX_DEVICE_NAME_LENGTH)),
  connectedAt: epochMillis,
});

const frame = (type: string, props: Record<string, Check | OptionalCheck>): Check => obj({ type: oneOf([type]), ...props });

/** Every frame the server may send, by `type` (ServerFrameSchemas). */
export const ServerFrameChecks: Record<string, Check> = {
  welcome: frame('welcome', {
    protocol: oneOf([PROTOCOL_VERSION]),
    connectionId: shortId,
    deviceId: id,
    accountId: id,
    heartbeatSeconds: int(1),
    maxLifetimeSeconds: int(1),
    serverTime: epochMillis,
    tokenExpiresAt: optional(epochMillis),
  }),
  'auth.result': frame('auth.result', { tokenExpiresAt: optional(epochMillis), serverTime: epochMillis }),
  push: frame('push', {
    id,
    payload: any,
    priority: oneOf(PRIORITIES),
    sentAt: epochMillis,
    ttlSeconds: optional(int(1)),
    ackRequired: optional(bool),
  }),
  'd2d.message': frame('d2d.message', { id, from: id, payload: any }),
  'd2d.result': frame('d2d.result', { reqId: shortId, status: oneOf(DELIVERY_STATUSES) }),
  'devices.list.result': frame('devices.list.result', { reqId: shortId, devices: arrayOf(deviceInfo) }),
  'devices.subscribe.result': frame('devices.subscribe.result', { reqId: shortId, devices: arrayOf(deviceInfo) }),
  'device.online': frame('device.online', { device: deviceInfo }),
  'device.offline': frame('device.offline', { deviceId: id }),
  'subscribe.result': frame('subscribe.result', {
    reqId: shortId,
    topic: topicName,
    status: oneOf(SUBSCRIBE_STATUSES),
    offset: optional(topicOffset),
    epoch: optional(topicEpoch),
    recovered: optional(bool),
  }),
  'unsubscribe.result': frame('unsubscribe.result', { reqId: shortId, topic: topicName, status: oneOf(UNSUBSCRIBE_STATUSES) }),
  'topic.message': frame('topic.message', {
    topic: topicName,
    id,
    offset: topicOffset,
    epoch: topicEpoch,
    payload: any,
    sentAt: epochMillis,
  }),
  broadcast: frame('broadcast', { id, payload: any, sentAt: epochMillis }),
  reconnect: frame('reconnect', { afterMs: int(0), reason: oneOf(RECONNECT_REASONS) }),
  pong: frame('pong', { t: optional(num), serverTime: epochMillis }),
  error: frame('error', { code: oneOf(Object.keys(ErrorCodes)), message: str(0, Number.POSITIVE_INFINITY), reqId: optional(shortId) }),
};

/** Every frame a device may send, by `type` (ClientFrameSchemas). */
export const ClientFrameChecks: Record<string, Check> = {
  auth: frame('auth', { token: str(1, MAX_TOKEN_BYTES) }),
  ack: frame('ack', { id }),
  ping: frame('ping', { t: optional(num) }),
  'd2d.send': frame('d2d.send', { reqId: shortId, to: id, payload: any }),
  'devices.list': frame('devices.list', { reqId: shortId }),
  'devices.subscribe': frame('devices.subscribe', { reqId: shortId }),
  subscribe: frame('subscribe', { reqId: shortId, topic: topicName, since: optional(obj({ offset: topicOffset, epoch: topicEpoch })) }),
  unsubscribe: frame('unsubscribe', { reqId: shortId, topic: topicName }),
};
