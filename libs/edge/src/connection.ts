import type { HttpResponse, WebSocket } from '@pushwire/uws';

/** Lifecycle phase of a device connection. Plain numbers: they live in every connection object. */
export const Phase = {
  /** First-frame auth pending: nothing but `auth` is processed. */
  Authenticating: 0,
  /** Authenticated, registered, deliverable. */
  Open: 1,
  /** `reconnect` sent; closes when `deadline` passes. Still deliverable until then. */
  Closing: 2,
  /** Closed; kept only by late references. */
  Closed: 3,
} as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

export const Transport = { WebSocket: 0, Sse: 1 } as const;
export type Transport = (typeof Transport)[keyof typeof Transport];

/**
 * The uWebSockets.js user data of a WebSocket: uWS copies the user data's own properties onto its
 * WebSocket object, which past a dozen properties falls into dictionary mode (≈830 bytes a socket,
 * measured). One property pointing at the Connection keeps the socket object small and fast, and the
 * Connection keeps its identity (the object the edge created is the one the socket reports).
 */
export interface SocketData {
  readonly connection: Connection;
}

/**
 * Everything the edge keeps per connection, in one flat object with a fixed shape: a WebSocket's
 * user data points at it (see SocketData), an SSE stream is tracked by it alone. Idle connections cost
 * only this object and two map entries: no closures, timers or promises per connection — shared
 * sweepers read `deadline`, `tokenExpiresAt`, `overLimitSince` and friends.
 */
export class Connection {
  socket: WebSocket<SocketData> | HttpResponse | undefined = undefined;
  phase: Phase;
  deviceId = '';
  accountId = '';
  deviceType = '';
  deviceName: string | undefined = undefined;
  connectedAt = 0;
  /** Epoch ms: auth deadline (Authenticating), end of lifetime (Open), close time (Closing). */
  deadline = 0;
  /**
   * Epoch SECONDS when the token expires (its `exp`; renewed by an `auth` frame), 0 when the
   * credential has none. The sweeper ends the connection then. Seconds, not ms: a small integer
   * is stored in the object itself, where a millisecond timestamp would cost a boxed number.
   */
  tokenExpiresAt = 0;
  /** Malformed or unknown frames so far; over the limit the socket is closed 1008. */
  badFrames = 0;
  /** Frame token bucket: tokens left and when they were last refilled (epoch ms). */
  tokens = 0;
  tokensAt = 0;
  /** Frames the rate limit dropped since `droppedSince` (epoch ms, the start of the current window). */
  droppedFrames = 0;
  droppedSince = 0;
  /** Device-to-device token bucket (PUSHWIRE_D2D_PER_SECOND), like the frame bucket. */
  d2dTokens = 0;
  d2dTokensAt = 0;
  /**
   * The topic patterns its token allows (claim `topics`), shared with every connection whose token
   * carries the same list (internTopicPatterns); undefined when the token has none (most devices).
   */
  topics: readonly string[] | undefined = undefined;
  /**
   * SSE only: the topics it subscribed to (the edge's one copy of each name); undefined while none.
   * A WebSocket's subscriptions are kept by uWS alone (topics/local-subscribers.ts).
   */
  subscriptions: string[] | undefined = undefined;
  /** Sent `devices.subscribe`: gets `device.online` / `device.offline` for its account. */
  subscribed = false;
  /** Epoch ms since which the send buffer has been over the soft limit; 0 when under it. */
  overLimitSince = 0;
  /** Deliveries waiting for this connection's ack; lets close skip the ack scan when 0. */
  pendingAcks = 0;
  /** SSE only: the last write could not be flushed and waits for the socket to drain. */
  sseBlocked = false;

  constructor(
    readonly transport: Transport,
    readonly connectionId: string,
    phase: Phase,
  ) {
    this.phase = phase;
  }
}

/** Closes a connection with a close code and reason, whichever part decides it must end. */
export type CloseConnection = (c: Connection, code: number, reason: string) => void;

const deviceTypes = new Map<string, string>();
/** Device types repeat across millions of connections ("tv", "phone"): keep one copy of each. */
export function internDeviceType(type: string): string {
  const known = deviceTypes.get(type);
  if (known !== undefined) return known;
  if (deviceTypes.size < 1000) deviceTypes.set(type, type);
  return type;
}

const topicPatternLists = new Map<string, readonly string[]>();
/**
 * Devices of one app carry the same `topics` claim (`["live:*"]`): keep one frozen copy of each list
 * (bounded, like device types), so a connection holds a pointer rather than its own array.
 */
export function internTopicPatterns(patterns: readonly string[] | undefined): readonly string[] | undefined {
  if (patterns === undefined || patterns.length === 0) return undefined;
  const key = patterns.join('\n');
  const known = topicPatternLists.get(key);
  if (known !== undefined) return known;
  const list = Object.freeze([...patterns]);
  if (topicPatternLists.size < 1000) topicPatternLists.set(key, list);
  return list;
}
