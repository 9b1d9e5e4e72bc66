import type { WireProtocol } from './wire-protocol';

/** How pushwire device tokens are minted (in the workers, in bulk, with mintDeviceToken). */
export interface TokenPlan {
  /** HS256 secret the edge verifies with (PUSHWIRE_JWT_SECRET). */
  secret: string;
  /** Account of device i: `${accountPrefix}${Math.floor(i / devicesPerAccount)}`. Default 'acc-'. */
  accountPrefix?: string;
  /** Default 1: one account per device. */
  devicesPerAccount?: number;
  /** Default 'tv'. */
  deviceType?: string;
  /** Default 86,400: longer than any bench. */
  ttlSeconds?: number;
  /** The tokens' `topics` claim (patterns such as `bench.*`); default none. */
  topics?: string[];
}

/**
 * A topic every device of a plan subscribes to: `name`, or with `spread`, `${name}${i % spread}` for
 * device i (spread ≥ the device count gives every device a topic of its own).
 */
export interface TopicPlan {
  name: string;
  spread?: number;
}

/**
 * The storm scenario: connections that the server asks to reconnect (a `reconnect` frame), closes or
 * drops come back like the device SDK would (`decideAfterClose`: random(0, afterMs) after a reconnect
 * frame, Retry-After plus full jitter after a 503, full-jitter backoff otherwise), each attempt to the
 * next of `alternativePorts`.
 */
export interface ReconnectPlan {
  /** Ports to reconnect to, round-robin over the worker's attempts (the edges that stay up). */
  alternativePorts: number[];
  /** Backoff base (ms). Default 500, the SDK's. */
  baseDelayMs?: number;
  /** Backoff ceiling (ms). Default 30,000, the SDK's. */
  maxDelayMs?: number;
  /** Failed attempts in a row before a device gives up. Default 10 (the SDK's is unbounded; a bench must end). */
  maxAttempts?: number;
  /**
   * Default false: a client leaves as soon as the `reconnect` frame arrives and waits random(0,
   * afterMs). True: it stays until the server closes (after its close grace), as the SDK does.
   */
  waitForServerClose?: boolean;
}

/** What to connect: devices `first … first + count − 1` of one protocol to one loopback port. */
export interface ConnectPlan {
  protocol: WireProtocol;
  /** Default '127.0.0.1'; anything outside 127.0.0.0/8 is refused. */
  host?: string;
  port: number;
  first: number;
  count: number;
  /** Device i is `${devicePrefix}${i}`. Default 'dev-'. */
  devicePrefix?: string;
  /** Required for `pushwire`. */
  tokens?: TokenPlan;
  /** Ramp: new connections per second over the whole fleet. Default 0: as fast as `maxConcurrent` allows. */
  ratePerSecond?: number;
  /** Handshakes in flight over the whole fleet. Default 1,000 per worker. */
  maxConcurrent?: number;
  /** Loopback source addresses to spread over (127.0.0.2 …). Default 50. */
  sourceAddresses?: number;
  /** One handshake's deadline (ms), up to `welcome` / Socket.IO connect. Default 15,000. */
  connectTimeoutMs?: number;
  /** The whole plan's deadline (ms). Default: twice the ramp's length plus 60 s. */
  deadlineMs?: number;
  /** Storm behaviour; default none (a closed connection stays closed). */
  reconnect?: ReconnectPlan;
  /**
   * Topics each device is in. `pushwire`: a `subscribe` frame per topic after `welcome`, and the
   * device counts as connected once every one is answered `subscribed` (`unavailable` is asked again,
   * up to 5 times; any other status fails the connection with `subscribe <status>`); the tokens need
   * a `topics` claim allowing them. `ws` / `socketio`: the upgrade asks for them (`&topics=a,b`).
   * Default none.
   */
  topics?: TopicPlan[];
}

/** One worker's answer to `connect`. */
export interface WorkerConnectResult {
  connected: number;
  failed: number;
  failures: Record<string, number>;
  /** Epoch ms (see epochNowMs) of every connection of this plan that connected, ascending. */
  connectTimes: Float64Array;
  startedAt: number;
  endedAt: number;
}

/** Counters of one worker, or of the fleet. */
export interface LoadStats {
  /** Connections open now. */
  open: number;
  /** Successful connects so far, reconnects included. */
  connectedTotal: number;
  /** Failed connect attempts so far, by reason (an HTTP status line, an errno code, `timeout`, …). */
  failures: Record<string, number>;
  /** Application messages received (pushes, Socket.IO events, bare messages). */
  messages: number;
  /** Latency samples held since the last reset, and those beyond the cap. */
  latencySamples: number;
  latencyOverflow: number;
}

/** Raw latency samples (ms), ascending, and how many more arrived beyond the cap. */
export interface LatencySamples {
  samples: Float64Array;
  overflow: number;
}

/** What the storm did so far (counters since the fleet started or closeAll). */
export interface ReconnectReport {
  /** Successful reconnects. */
  reconnects: number;
  /** `reconnect` frames received. */
  reconnectFrames: number;
  /** Open connections the server closed or that dropped (a client's own leave after a frame excluded). */
  serverCloses: number;
  /** Reconnect attempts answered 503. */
  http503: number;
  /** Devices that gave up (the policy said stop: attempts used up, or a non-retriable answer). */
  gaveUp: number;
  /** Devices waiting for their next attempt or in one now. */
  pending: number;
  /** Failed reconnect attempts by reason. */
  failures: Record<string, number>;
  /** Epoch ms of the first connection lost to the storm (NaN if none). */
  firstLossAt: number;
  /** Epoch ms of every successful reconnect, ascending (capped; see timesOverflow). */
  reconnectTimes: Float64Array;
  timesOverflow: number;
}

/** Commands from the fleet to a worker; each is answered once with a WorkerReply of the same id. */
export type WorkerCommand =
  | { id: number; type: 'connect'; plan: ConnectPlan }
  | { id: number; type: 'stats' }
  | { id: number; type: 'latencies' }
  | { id: number; type: 'resetLatencies' }
  | { id: number; type: 'reconnectReport' }
  | { id: number; type: 'closeAll' };

export type WorkerReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** What each worker thread is started with. */
export interface WorkerSettings {
  latencyCap: number;
}
