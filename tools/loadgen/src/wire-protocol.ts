import { randomBytes } from 'node:crypto';
import type { TopicPlan } from './worker-messages';

/**
 * What a load client speaks on its WebSocket:
 * - `pushwire`: the edge's device protocol, `GET /v1/connect?token=<jwt>`; JSON frames (`welcome`,
 *   `push`, `reconnect`); connected once `welcome` arrives.
 * - `ws`: the bare peers (the `ws` library, bare uWebSockets.js), `GET /v1/connect?device=<id>`; raw
 *   payloads as text messages; connected at the 101.
 * - `socketio`: Socket.IO 4 over Engine.IO v4, WebSocket transport only,
 *   `GET /socket.io/?EIO=4&transport=websocket&device=<id>`; connected once the default namespace
 *   answers `40`.
 */
export type WireProtocol = 'pushwire' | 'ws' | 'socketio';

export const WIRE_PROTOCOLS: readonly WireProtocol[] = ['pushwire', 'ws', 'socketio'];

/** The topics device `index` is in (see TopicPlan). */
export function topicsOf(plans: readonly TopicPlan[], index: number): string[] {
  return plans.map((t) => (t.spread ? `${t.name}${index % t.spread}` : t.name));
}

/**
 * The request path of one device's upgrade; `token` is needed (only) for `pushwire`. `topics` (the
 * peers only: Pushwire devices subscribe with frames) asks the server to put the socket in them.
 */
export function upgradePath(protocol: WireProtocol, deviceId: string, token?: string, topics?: readonly string[]): string {
  const inTopics = topics?.length ? `&topics=${encodeURIComponent(topics.join(','))}` : '';
  switch (protocol) {
    case 'pushwire':
      if (!token) throw new Error('a pushwire connection needs a device token');
      return `/v1/connect?token=${encodeURIComponent(token)}`;
    case 'ws':
      return `/v1/connect?device=${encodeURIComponent(deviceId)}${inTopics}`;
    case 'socketio':
      return `/socket.io/?EIO=4&transport=websocket&device=${encodeURIComponent(deviceId)}${inTopics}`;
  }
}

// One Sec-WebSocket-Key per process: the server only hashes it into its answer, which we do not check,
// so a fresh random key per connection would buy nothing but work at 19,000 connects.
const KEY = randomBytes(16).toString('base64');

/** The RFC 6455 opening handshake, as one string to write on the socket. */
export function upgradeRequest(host: string, port: number, path: string): string {
  return `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
}

/** Engine.IO v4 / Socket.IO 4 packets the minimal client sends or recognises (text, one per frame). */
export const EngineIo = {
  /** Engine.IO `open` (the server's handshake: `0{"sid":…,"pingInterval":…}`). */
  OPEN: '0',
  /** Engine.IO `close`. */
  CLOSE: '1',
  /** Engine.IO `ping` from the server, answered with `pong`. */
  PING: '2',
  PONG: '3',
  /** Socket.IO CONNECT to the default namespace; the server answers `40{"sid":…}`. */
  CONNECT: '40',
  /** Socket.IO DISCONNECT of the namespace by the server. */
  DISCONNECT: '41',
  /** Socket.IO EVENT: `42["push","<payload>"]`. */
  EVENT: '42',
  /** Socket.IO CONNECT_ERROR: `44{"message":…}`. */
  CONNECT_ERROR: '44',
} as const;
