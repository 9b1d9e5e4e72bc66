import { encodeFrame, type ClientFrame } from '@pushwire/protocol/core';
import { DeviceClientError, httpError, toClientError } from '../errors';
import { isNodeRuntime, unrefTimeout } from '../timers';
import { ConnectionEnd, endpointUrl, type Transport, type TransportParams } from './transport';

/** The part of the WebSocket API the SDK uses; the browser's WebSocket and `ws` both have it. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: never) => void): void;
}

/**
 * A WebSocket constructor: `globalThis.WebSocket`, `require('ws')`, or a test double. Its instances
 * must have the WebSocketLike surface; the return type is left open because the DOM's and ws's
 * overloaded `addEventListener` signatures do not fit one structural type.
 */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => unknown;

/** The extra surface of the `ws` package: headers, pings, the status of a refused upgrade. */
interface NodeWs extends WebSocketLike {
  on(event: 'ping', listener: () => void): void;
  on(event: 'unexpected-response', listener: (req: unknown, res: IncomingResponse) => void): void;
  terminate(): void;
}
interface IncomingResponse {
  statusCode?: number;
  headers: Record<string, string | string[] | undefined>;
  setEncoding(encoding: 'utf8'): void;
  on(event: 'data', listener: (chunk: string) => void): void;
  on(event: 'end' | 'close', listener: () => void): void;
  on(event: 'error', listener: (e: Error) => void): void;
}
type NodeWsConstructor = new (url: string, protocols: string[], options: { headers: Record<string, string> }) => NodeWs;

const CLOSED = 3;
const CLOSE_TIMEOUT_MS = 1000;
const MAX_ERROR_BODY = 16 * 1024;

/** True for `ws`-style constructors, which take headers and report the status of a refused upgrade. */
export const isNodeWs = (ctor: WebSocketConstructor): boolean =>
  typeof (ctor.prototype as { on?: unknown; terminate?: unknown }).on === 'function' &&
  typeof (ctor.prototype as { terminate?: unknown }).terminate === 'function';

/**
 * The injected constructor, else the global WebSocket, else (Node only) the `ws` package loaded on
 * demand, so that bundles for browsers never pull it in.
 */
export async function resolveWebSocket(injected?: WebSocketConstructor): Promise<WebSocketConstructor> {
  if (injected) return injected;
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (global) return global;
  if (!isNodeRuntime()) throw new DeviceClientError('invalid_options', 'no WebSocket in this runtime; pass the WebSocket option');
  try {
    const mod = (await import('ws')) as unknown as { default?: WebSocketConstructor; WebSocket?: WebSocketConstructor };
    const ctor = mod.WebSocket ?? mod.default;
    if (!ctor) throw new Error('the ws module exports no WebSocket');
    return ctor;
  } catch (e) {
    throw toClientError(e, 'invalid_options', 'no global WebSocket and the ws package could not be loaded');
  }
}

/** Opens one WebSocket connection to `{baseUrl}/v1/connect` and adapts it to the Transport interface. */
export function openWebSocketTransport(Ctor: WebSocketConstructor, params: TransportParams): Transport {
  const { handlers, auth, token } = params;
  const nodeWs = isNodeWs(Ctor);
  const connection = new ConnectionEnd(handlers);
  let opened = false;
  let failure: DeviceClientError | undefined;
  let lastError = '';

  let socket: WebSocketLike;
  try {
    const query: Record<string, string> = auth === 'query' ? { token } : auth === 'first-frame' ? { auth: 'frame' } : {};
    const url = endpointUrl(params.baseUrl, '/v1/connect', query, true);
    if (auth === 'header') {
      if (!nodeWs)
        throw new DeviceClientError(
          'invalid_options',
          "header auth needs the ws package (browsers cannot set WebSocket headers); use auth 'query' or 'first-frame'",
        );
      socket = new (Ctor as unknown as NodeWsConstructor)(url, [], { headers: { Authorization: `Bearer ${token}` } });
    } else {
      socket = new Ctor(url) as WebSocketLike;
    }
  } catch (e) {
    const error = toClientError(e, 'invalid_options', 'cannot open a WebSocket');
    // Report asynchronously, like any other failed connect, so callers see one code path.
    queueMicrotask(() => connection.end(1006, '', error));
    return { send: () => Promise.reject(error), useToken: () => undefined, close: () => Promise.resolve() };
  }

  socket.addEventListener('open', () => {
    if (connection.ended) return;
    opened = true;
    if (auth === 'first-frame') socket.send(encodeFrame({ type: 'auth', token }));
    handlers.open();
  });
  socket.addEventListener('message', (event: { data: unknown }) => {
    if (connection.ended) return;
    if (typeof event.data === 'string') handlers.frame(event.data);
    else handlers.error(new DeviceClientError('binary_not_supported', 'the edge sent a binary frame; ignored'));
  });
  socket.addEventListener('error', (event: { message?: string; error?: unknown }) => {
    lastError = event.message ?? (event.error instanceof Error ? event.error.message : 'WebSocket error');
  });
  socket.addEventListener('close', (event: { code: number; reason: string }) => {
    const error =
      failure ??
      (opened ? undefined : new DeviceClientError('connect_failed', `could not connect to the edge${lastError ? `: ${lastError}` : ''}`));
    connection.end(event.code, event.reason ?? '', error);
  });
  if (nodeWs) {
    const ws = socket as NodeWs;
    ws.on('ping', () => {
      if (!connection.ended) handlers.activity();
    });
    // Browsers only see a 1006 close for a refused upgrade; ws lets us read the status and body.
    ws.on('unexpected-response', (_req, res) => {
      readBody(res, (body) => {
        const retryAfter = res.headers['retry-after'];
        failure = httpError(res.statusCode ?? 0, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, body);
        ws.terminate();
      });
    });
  }

  return {
    send(frame: ClientFrame): Promise<void> {
      if (connection.ended || !opened)
        return Promise.reject(new DeviceClientError('not_connected', `cannot send ${frame.type}: the WebSocket is not open`));
      try {
        socket.send(encodeFrame(frame));
        return Promise.resolve();
      } catch (e) {
        return Promise.reject(toClientError(e, 'not_connected', `cannot send ${frame.type}`));
      }
    },
    useToken(): void {
      // The socket authenticated when it connected; a renewed token travels in the `auth` frame.
    },
    close(code: number, reason: string): Promise<void> {
      connection.silence();
      if (socket.readyState === CLOSED) return Promise.resolve();
      return new Promise<void>((resolve) => {
        // A dead peer never answers the close handshake; don't wait for it longer than a moment.
        const timer = unrefTimeout(() => {
          if (nodeWs) (socket as NodeWs).terminate();
          resolve();
        }, CLOSE_TIMEOUT_MS);
        socket.addEventListener('close', () => {
          clearTimeout(timer);
          resolve();
        });
        try {
          socket.close(code, reason);
        } catch (e) {
          clearTimeout(timer);
          handlers.error(toClientError(e, 'connect_failed', 'closing the WebSocket failed'));
          resolve();
        }
      });
    },
  };
}

function readBody(res: IncomingResponse, done: (body: string) => void): void {
  let body = '';
  let settled = false;
  const finish = () => {
    if (settled) return;
    settled = true;
    done(body);
  };
  res.setEncoding('utf8');
  res.on('data', (chunk) => {
    if (body.length < MAX_ERROR_BODY) body += chunk;
  });
  res.on('end', finish);
  res.on('close', finish);
  // A broken body still leaves the status code, which is what decides retrying.
  res.on('error', finish);
}
