import type { ClientFrame } from '@pushwire/protocol/core';
import type { DeviceClientError } from '../errors';

/** How the device proves who it is (DESIGN §4). */
export type AuthMode = 'header' | 'query' | 'first-frame';

/** How one connection ended. `error` is set when it failed before or instead of a clean close. */
export interface TransportClose {
  code: number;
  reason: string;
  error?: DeviceClientError;
}

/** Callbacks a transport makes into the client. None is called after `Transport.close()`. */
export interface TransportHandlers {
  /** The socket or event stream is established (authentication may still be pending). */
  open(): void;
  /** One text frame from the server, not yet decoded. */
  frame(text: string): void;
  /** A sign of life that is not a frame: a WebSocket ping, an SSE comment line. */
  activity(): void;
  /** A problem that does not end the connection (a malformed SSE line, a binary frame). */
  error(error: DeviceClientError): void;
  /** The connection ended or could not be established; called exactly once. */
  closed(info: TransportClose): void;
}

/** What a transport needs to open one connection. */
export interface TransportParams {
  baseUrl: string;
  token: string;
  auth: AuthMode;
  handlers: TransportHandlers;
}

/**
 * One connection to an edge over one wire format (like Zuul Push's PushProtocol): send a frame,
 * close. A new connection is a new Transport.
 */
export interface Transport {
  /** Sends a device frame; rejects with a DeviceClientError if it could not be handed over. */
  send(frame: ClientFrame): Promise<void>;
  /**
   * The token was renewed in band: what the transport sends from now on carries the new one (SSE's
   * `POST /v1/frames`; a WebSocket presents its token only when it connects).
   */
  useToken(token: string): void;
  /** Closes the connection; no handler is called afterwards. Resolves once it is closed. */
  close(code: number, reason: string): Promise<void>;
}

/** Builds `{base}{path}` keeping any path prefix of the base (an edge behind `/push`), with query. */
export function endpointUrl(baseUrl: string, path: string, query: Record<string, string>, websocket = false): string {
  const url = new URL(baseUrl);
  if (websocket) url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  return url.toString();
}

/**
 * The end of one transport connection, told once: the first `end()` calls `handlers.closed`,
 * whatever ended it (the server, a failure), after `beforeClosed` (the SSE transport aborts its
 * requests there). After `end()` or `silence()` (the client's own close, which tells no handler)
 * `ended` is true and every late event is ignored.
 */
export class ConnectionEnd {
  private done = false;

  constructor(
    private readonly handlers: Pick<TransportHandlers, 'closed'>,
    private readonly beforeClosed: () => void = () => undefined,
  ) {}

  /** Whether the connection ended (or was closed by the client). */
  get ended(): boolean {
    return this.done;
  }

  /** Ends the connection with `code` and `reason`, and the error that ended it, unless it already ended. */
  end(code: number, reason: string, error?: DeviceClientError): void {
    if (this.done) return;
    this.done = true;
    this.beforeClosed();
    this.handlers.closed({ code, reason, ...(error ? { error } : {}) });
  }

  /** Ends it without telling the handlers: `Transport.close()` calls no handler. */
  silence(): void {
    this.done = true;
  }
}
