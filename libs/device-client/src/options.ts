import { EdgeUrls, type EdgeUrlOption } from './edge-urls';
import { DeviceClientError } from './errors';
import { checkDedupeStorage, type DedupeStorage } from './seen-ids';
import { isNodeRuntime } from './timers';
import type { FetchLike } from './transports/sse-transport';
import type { AuthMode } from './transports/transport';
import { isNodeWs, type WebSocketConstructor } from './transports/websocket-transport';

/** Reconnect policy; each field states its default. */
export interface ReconnectOptions {
  /** Reconnect on its own after a connection drops or a connect fails retriably. Default true. */
  enabled?: boolean;
  /** Backoff base: the first retry waits random(0, baseDelayMs). Default 500. */
  baseDelayMs?: number;
  /** Backoff cap. Default 30000. */
  maxDelayMs?: number;
  /** Failed attempts in a row (since the last welcome) before giving up. Default Infinity. */
  maxAttempts?: number;
}

/** Options of a DeviceClient; each field states its default. */
export interface DeviceClientOptions {
  /**
   * Where to connect. An edge base URL, `http(s)://host:port` (a path prefix is kept; `ws(s)://` is
   * accepted too); or a list of them to fail over between: every reconnect (a drop, a failed or
   * timed-out connect, a 503 draining/overloaded) moves to the next one, so a dead edge costs one
   * attempt, and backoff starts only when every edge failed in a row (Retry-After is kept per
   * edge). Give each device the list in its own order (e.g. shuffled) to spread devices; or a
   * function (sync or async) asked before every attempt, told the attempt number and the previous edge.
   */
  url: EdgeUrlOption;
  /**
   * The device JWT, or a function called before every (re)connect and, when the edge says when the
   * token expires, a little before that to renew it on the open connection (an `auth` frame).
   */
  token: string | (() => string | Promise<string>);
  /** Default 'websocket'. */
  transport?: 'websocket' | 'sse';
  /**
   * How the token travels. Default over WebSocket: 'header' with the `ws` package (Node), else
   * 'first-frame' (browsers): a browser hides the 401 of a refused WebSocket upgrade, so with
   * 'query' a bad token cannot be told from a network failure and is retried like one; the first
   * frame's refusal (close 4003) is seen and ends in 'unauthorized'. Over SSE: 'header' in Node,
   * 'query' in browsers (no CORS preflight); fetch shows the 401 either way.
   */
  auth?: AuthMode;
  reconnect?: ReconnectOptions;
  /** Ack pushes that ask for it once the 'push' handlers ran. Default true. */
  autoAck?: boolean;
  /**
   * How many recent message ids to remember, of pushes and of device-to-device messages each; a
   * repeated id is not emitted again. Default 1024 (the inbox keeps at most 100 per device).
   */
  dedupeWindow?: number;
  /**
   * Keeps the remembered ids across app restarts: a `localStorage`-compatible storage (`getItem`,
   * `setItem`, sync or async) — `localStorage` in browsers, a file adapter in Node. Default: memory
   * only (ids survive reconnects, not restarts). An id is stored once the app's handlers ran.
   */
  dedupeStorage?: DedupeStorage;
  /** The key under which `dedupeStorage` keeps the ids; one per device sharing a storage. Default 'pushwire.seen-ids'. */
  dedupeKey?: string;
  /**
   * How long one connect attempt may take, from its start (asking the url and token functions
   * included) to `welcome`, before it counts as failed (and a client with several edges tries the
   * next). Catches an edge that accepts TCP but never answers (a stopped process, a black hole).
   * Default 5000; 0 turns it off.
   */
  connectTimeoutMs?: number;
  /** How long listDevices / subscribeDevices / sendToDevice wait for their reply. Default 10000. */
  requestTimeoutMs?: number;
  /** WebSocket constructor. Default: global WebSocket, else (Node) the `ws` package. */
  WebSocket?: WebSocketConstructor;
  /** fetch for the SSE transport. Default: global fetch. */
  fetch?: FetchLike;
  /** Source of randomness in [0, 1) for jitter. Default Math.random. */
  random?: () => number;
}

/** Options of one sendToDevice call. */
export interface SendToDeviceOptions {
  /** How long to wait for `d2d.result`. Default: the client's `requestTimeoutMs`. */
  timeoutMs?: number;
}

/** Options with every default applied. */
export interface ResolvedOptions {
  edges: EdgeUrls;
  getToken: () => Promise<string>;
  canRefreshToken: boolean;
  transport: 'websocket' | 'sse';
  auth: AuthMode;
  reconnect: Required<ReconnectOptions>;
  autoAck: boolean;
  dedupeWindow: number;
  dedupeStorage?: DedupeStorage;
  dedupeKey: string;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  WebSocket?: WebSocketConstructor;
  fetch?: FetchLike;
  random: () => number;
}

const nonNegative = (name: string, value: number | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new DeviceClientError('invalid_options', `${name} must be a number ≥ 0, got ${String(value)}`);
  }
  return value;
};

/** Applies defaults and rejects options that cannot work, at construction rather than at connect. */
export function resolveOptions(opts: DeviceClientOptions): ResolvedOptions {
  const edges = new EdgeUrls(opts.url);
  const { token } = opts;
  if (typeof token !== 'function' && (typeof token !== 'string' || token === '')) {
    throw new DeviceClientError('invalid_options', 'token must be a non-empty string or a function returning one');
  }
  const transport = opts.transport ?? 'websocket';
  if (transport !== 'websocket' && transport !== 'sse')
    throw new DeviceClientError('invalid_options', `unknown transport "${String(transport)}"`);
  const auth = opts.auth ?? defaultAuth(transport, opts.WebSocket);
  if (transport === 'sse' && auth === 'first-frame') {
    throw new DeviceClientError('invalid_options', "first-frame auth needs the websocket transport; use 'header' or 'query' with SSE");
  }
  const fetchFn = opts.fetch ?? (typeof fetch === 'function' ? fetch : undefined);
  if (transport === 'sse' && !fetchFn)
    throw new DeviceClientError('invalid_options', 'the sse transport needs fetch; pass the fetch option');
  const r = opts.reconnect ?? {};
  const dedupeStorage = checkDedupeStorage(opts.dedupeStorage);
  if (opts.dedupeKey !== undefined && (typeof opts.dedupeKey !== 'string' || opts.dedupeKey === '')) {
    throw new DeviceClientError('invalid_options', 'dedupeKey must be a non-empty string');
  }
  return {
    edges,
    getToken: async () => {
      const value = typeof token === 'function' ? await token() : token;
      if (typeof value !== 'string' || value === '')
        throw new DeviceClientError('token_unavailable', 'the token function returned no token');
      return value;
    },
    canRefreshToken: typeof token === 'function',
    transport,
    auth,
    reconnect: {
      enabled: r.enabled ?? true,
      baseDelayMs: nonNegative('reconnect.baseDelayMs', r.baseDelayMs, 500),
      maxDelayMs: nonNegative('reconnect.maxDelayMs', r.maxDelayMs, 30_000),
      maxAttempts: nonNegative('reconnect.maxAttempts', r.maxAttempts, Infinity),
    },
    autoAck: opts.autoAck ?? true,
    dedupeWindow: Math.floor(nonNegative('dedupeWindow', opts.dedupeWindow, 1024)),
    ...(dedupeStorage ? { dedupeStorage } : {}),
    dedupeKey: opts.dedupeKey ?? 'pushwire.seen-ids',
    connectTimeoutMs: nonNegative('connectTimeoutMs', opts.connectTimeoutMs, 5000),
    requestTimeoutMs: nonNegative('requestTimeoutMs', opts.requestTimeoutMs, 10_000),
    ...(opts.WebSocket ? { WebSocket: opts.WebSocket } : {}),
    ...(fetchFn ? { fetch: fetchFn } : {}),
    random: opts.random ?? Math.random,
  };
}

/**
 * 'header' keeps the token out of URLs (which end up in logs), but only Node can set it: over
 * WebSocket only with `ws` (injected, or loaded because there is no global WebSocket). Every other
 * WebSocket (browsers', Node 22's global one) hides the HTTP status of a refused upgrade behind a
 * bare 1006, so a bad token would look like a network failure and be retried forever: those send
 * the token in the first frame, which the edge answers with close 4003 the socket does see. SSE
 * goes through fetch, which shows the 401 in every runtime; browsers send its token by query
 * because an Authorization header makes a cross-origin request need a CORS preflight.
 */
function defaultAuth(transport: 'websocket' | 'sse', injected?: WebSocketConstructor): AuthMode {
  if (transport === 'sse') return isNodeRuntime() ? 'header' : 'query';
  if (injected) return isNodeWs(injected) ? 'header' : 'first-frame';
  return isNodeRuntime() && typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'undefined' ? 'header' : 'first-frame';
}
