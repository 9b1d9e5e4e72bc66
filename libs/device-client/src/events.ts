import type { DeviceInfo, ServerFrame, ServerFrameOf } from '@pushwire/protocol/core';
import type { DeviceClientError } from './errors';
import type { TopicRecovery } from './topic-types';

/** The `welcome` frame: connection id, device and account, heartbeat interval, server time. */
export type Welcome = ServerFrameOf<'welcome'>;
/** A push message as the edge delivered it. */
export type PushMessage = ServerFrameOf<'push'>;
/** A message another device of the account sent to this one: `{id, from, payload}`. */
export type D2dMessage = ServerFrameOf<'d2d.message'>;
/** A broadcast as the edge delivered it: `{id, payload, sentAt}`. */
export type BroadcastMessage = ServerFrameOf<'broadcast'>;
/** A device of the account that went offline. */
export interface DeviceOffline {
  deviceId: string;
}

/** Lifecycle state of a DeviceClient. */
export type ClientState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Payload of 'close': how a connection (or connect attempt) ended and what happens next. */
export interface CloseInfo {
  code: number;
  reason: string;
  /** The client will connect again after `delayMs`. */
  willReconnect: boolean;
  delayMs?: number;
}

/** Every event a DeviceClient emits, with its payload. */
export interface DeviceClientEvents {
  /** A connection is authenticated and ready; `connect()` resolves with the first one. */
  welcome: Welcome;
  /** A push, once per message id within the dedupe window. */
  push: PushMessage;
  /** A message from another device of the account, once per message id within the dedupe window. */
  'd2d.message': D2dMessage;
  /** A broadcast (to every connected device, or those of some types), once per id within the dedupe window. */
  broadcast: BroadcastMessage;
  /**
   * The answer to a topic subscribe with `since`, and to every renewal after a reconnect:
   * `recovered: true` when every missed message follows (to the handler), false when the edge could
   * not fill the gap (reload the app's state of the topic).
   */
  'topic.recovery': TopicRecovery;
  /**
   * The account's online devices each time a device subscription starts: the answer to
   * subscribeDevices() and, after every reconnect, to the subscription the client renews on its
   * own. Replace your list with it; 'device.online' / 'device.offline' that follow apply on top.
   */
  devices: DeviceInfo[];
  /** With a device subscription: a device of the account came online. */
  'device.online': DeviceInfo;
  /** With a device subscription: a device of the account went offline. */
  'device.offline': DeviceOffline;
  /**
   * The edge asked for a reconnect (lifetime end, drain, token expired); the client follows on the
   * close, asking the token function for a fresh token.
   */
  reconnect: ServerFrameOf<'reconnect'>;
  /** An `error` frame not tied to a request, or a DeviceClientError (bad frame, handler failure, …). */
  error: DeviceClientError | ServerFrameOf<'error'>;
  /** The socket or event stream opened (authentication may still be pending). */
  open: undefined;
  /** A connection or connect attempt ended. */
  close: CloseInfo;
  /** A newer connection of this device took over (close 4001); the client stays closed. */
  replaced: CloseInfo;
  /** Every valid frame from the server, before the specific event. */
  frame: ServerFrame;
}
