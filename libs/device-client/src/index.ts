/**
 * @pushwire/device-client — the device SDK (browser and Node): connect to a push edge over WebSocket
 * or SSE, authenticate, reconnect with full-jitter backoff and fail over between edges, watch
 * heartbeats, receive pushes once (de-duplicated, across restarts with a storage) and ack them, talk
 * to other devices of the account and follow its device list, subscribe to topics (recovering what
 * was missed across reconnects) and receive broadcasts.
 */
export { DeviceClient } from './device-client';
export type { DeviceClientOptions, ReconnectOptions, SendToDeviceOptions } from './options';
export type { EdgeUrlOption, EdgeUrlRequest } from './edge-urls';
export type { DedupeStorage } from './seen-ids';
export type {
  BroadcastMessage,
  ClientState,
  CloseInfo,
  DeviceClientEvents,
  PushMessage,
  D2dMessage,
  DeviceOffline,
  Welcome,
} from './events';
export type { SubscribeOptions, TopicHandler, TopicMessage, TopicRecovery, TopicSubscription } from './topic-types';
export type { Listener } from './emitter';
export {
  DeviceClientError,
  ClientErrorCodes,
  httpError,
  parseRetryAfter,
  type ClientErrorCode,
  type DeviceClientErrorCode,
} from './errors';
export { decideAfterClose, type CloseContext, type CloseDecision } from './close-policy';
// The SDK's name for the shared full-jitter formula (exported since the first release).
export { fullJitterDelay as backoffDelay } from '@pushwire/backoff';
export type { AuthMode } from './transports/transport';
export type { WebSocketConstructor, WebSocketLike } from './transports/websocket-transport';
export type { FetchLike } from './transports/sse-transport';
export type { DeliveryStatus, DeviceInfo, TopicPosition } from '@pushwire/protocol/core';
