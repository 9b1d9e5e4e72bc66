import { DeviceClientError, toClientError } from './errors';
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
  /** Edge base URL, `http(s)://host:port` (a path prefix is kept; `ws(s)://` is accepted too). */
  url: string;
  /**
   * The device JWT, or a function called before every (re)connect and, when the edge says when the
   * token expires, a little before that to renew it on the open connection (an `auth` frame).
   */
  token: string | (() => string | Promise<string>);
  /** Default 'websocket'. */
  transport?: 'websocket' | 'sse';
  /** Default 'header' where headers can be set (Node with `ws`), else 'query'. */
  auth?: AuthMode;
  reconnect?: ReconnectOptions;
  /** Ack pushes that ask for it once the 'push' handlers ran. Default true. */
  autoAck?: boolean;
  /** How many recent push ids to remember; a repeated id is not emitted again. Default 1024. */
  dedupeWindow?: number;
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
  url: string;
  getToken: () => Promise<string>;
  canRefreshToken: boolean;
  transport: 'websocket' | 'sse';
  auth: AuthMode;
  reconnect: Required<ReconnectOptions>;
  autoAck: boolean;
  dedupeWindow: number;
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
  try {
    new URL(opts.url);
  } catch (e) {
    throw toClientError(e, 'invalid_options', `url "${opts.url}" is not an absolute URL`);
  }
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
  return {
    url: opts.url,
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
    requestTimeoutMs: nonNegative('requestTimeoutMs', opts.requestTimeoutMs, 10_000),
    ...(opts.WebSocket ? { WebSocket: opts.WebSocket } : {}),
    ...(fetchFn ? { fetch: fetchFn } : {}),
    random: opts.random ?? Math.random,
  };
}

/**
 * 'header' keeps the token out of URLs (which end up in logs), but only Node can set it: over
 * WebSocket only with `ws` (injected, or loaded because there is no global WebSocket).
 */
function defaultAuth(transport: 'websocket' | 'sse', injected?: WebSocketConstructor): AuthMode {
  if (!isNodeRuntime()) return 'query';
  if (transport === 'sse') return 'header';
  if (injected) return isNodeWs(injected) ? 'header' : 'query';
  return typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'undefined' ? 'header' : 'query';
}
