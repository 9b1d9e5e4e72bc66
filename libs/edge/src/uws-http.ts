import { STATUS_CODES } from 'node:http';
import { listenPort, type HttpRequest, type HttpResponse, type TemplatedApp, type us_listen_socket } from '@pushwire/uws';
import { bearerToken, errorBody } from '@pushwire/service-kit';
import type { ErrorCode } from '@pushwire/protocol';
import { ErrorCodes, PushwireError } from '@pushwire/protocol';

/** Tracks whether the client went away, as uWebSockets.js requires before any asynchronous answer. */
export interface ResponseState {
  aborted: boolean;
}

const statusLines = new Map<number, string>();
export function statusLine(status: number): string {
  let line = statusLines.get(status);
  if (!line) {
    line = `${status} ${STATUS_CODES[status] ?? 'Unknown'}`;
    statusLines.set(status, line);
  }
  return line;
}

/** Answers with a JSON body, corked; a no-op when the client already went away. */
export function respondJson(
  res: HttpResponse,
  state: ResponseState,
  status: number,
  body: unknown,
  headers?: Record<string, string>,
): void {
  if (!state.aborted) respondJsonText(res, state, status, JSON.stringify(body), headers);
}

/** Answers with `json`, the text of a JSON body already encoded (see respondJson). */
export function respondJsonText(
  res: HttpResponse,
  state: ResponseState,
  status: number,
  json: string,
  headers?: Record<string, string>,
): void {
  if (state.aborted) return;
  state.aborted = true; // answered: nothing else may touch res
  res.cork(() => {
    res.writeStatus(statusLine(status));
    res.writeHeader('content-type', 'application/json');
    if (headers) for (const [k, v] of Object.entries(headers)) res.writeHeader(k, v);
    res.end(json);
  });
}

/** Answers with the catalogue's error body and HTTP status for `code`. */
export function respondError(
  res: HttpResponse,
  state: ResponseState,
  code: ErrorCode,
  message: string,
  headers?: Record<string, string>,
): void {
  respondJson(res, state, ErrorCodes[code].http, errorBody(code, message), headers);
}

/** A request body over the limit (code `payload_too_large`): the route answers 413. */
export class BodyTooLargeError extends PushwireError {
  override readonly name = 'BodyTooLargeError';
  constructor(message: string) {
    super('payload_too_large', message);
  }
}

/** Reads a request body up to `limit` bytes. Chunks are copied: uWS neuters them after the callback. */
export function readBody(res: HttpResponse, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    res.onData((chunk, isLast) => {
      if (failed) return;
      size += chunk.byteLength;
      if (size > limit) {
        failed = true;
        reject(new BodyTooLargeError(`body exceeds ${limit} bytes`));
        return;
      }
      chunks.push(Buffer.from(chunk.slice(0)));
      if (isLast) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
  });
}

/**
 * The device credential from `Authorization: Bearer …` or `?token=` (browsers cannot set WebSocket
 * headers). Must be called synchronously inside the uWS handler: HttpRequest dies after it returns.
 */
export function tokenFrom(req: HttpRequest): string {
  return bearerToken(req.getHeader('authorization')) ?? req.getQuery('token') ?? '';
}

/** A route answering 404 with the catalogue's body, listing what the port does serve. */
export function notFound(endpoints: string): (res: HttpResponse) => void {
  return (res) => respondError(res, { aborted: false }, 'not_found', endpoints);
}

/** Binds `app` to host:port, keeps its listen socket in `sockets`, resolves with the port bound. */
export function listenOn(app: TemplatedApp, host: string, port: number, sockets: us_listen_socket[]): Promise<number> {
  return new Promise((resolve, reject) => {
    app.listen(host, port, (socket) => {
      if (!socket) {
        reject(new Error(`cannot listen on ${host}:${port} (in use or not permitted)`));
        return;
      }
      sockets.push(socket);
      resolve(listenPort(socket));
    });
  });
}

/** The host part of a URL that reaches an address bound to `host` from this machine. */
export function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
