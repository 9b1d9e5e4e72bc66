import { catalogueRetriable, ErrorCodes, PushwireError, type ErrorCode } from '@pushwire/protocol/core';

/**
 * Codes the SDK itself produces, next to the server's catalogue (`ErrorCode`), which it passes
 * through unchanged (an `error` frame answering a request, or the JSON body of a refused connect).
 */
export const ClientErrorCodes = {
  /** The edge could not be reached or the upgrade/stream failed without an HTTP answer. */
  connect_failed: { retriable: true },
  /** An open connection dropped; requests in flight on it are rejected with this. */
  connection_lost: { retriable: true },
  /** Nothing to send on: the client is not open (or is between connections). */
  not_connected: { retriable: true },
  /** A request got no reply within `requestTimeoutMs`. */
  timeout: { retriable: true },
  /** The `token` function threw or returned something that is not a non-empty string. */
  token_unavailable: { retriable: true },
  /** A newer connection of the same device replaced this one (close 4001). */
  replaced: { retriable: false },
  /** `close()` was called. */
  closed: { retriable: false },
  /** An event handler threw or its promise rejected. */
  handler_error: { retriable: false },
  /** The options cannot work in this runtime (e.g. header auth with a browser WebSocket). */
  invalid_options: { retriable: false },
  /** The edge answered with an HTTP status the SDK has no better code for. */
  http_error: { retriable: false },
  /** The de-duplication storage could not be read or written (ids are still remembered in memory). */
  dedupe_storage_failed: { retriable: true },
  /** A topic subscribe was refused because the edge has not loaded its topic history yet: try again. */
  unavailable: { retriable: true },
} as const;
export type ClientErrorCode = keyof typeof ClientErrorCodes;
export type DeviceClientErrorCode = ClientErrorCode | ErrorCode;

/** Extra facts about an error: the HTTP status of a refused connect and its Retry-After hint. */
export interface DeviceClientErrorDetails {
  status?: number;
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * The one error type the SDK rejects with and emits: a PushwireError whose codes are the SDK's own
 * (`ClientErrorCodes`) or the server's it passes through. `retriable` says whether the same
 * operation may succeed later; the client retries connects on its own only when it is true.
 */
export class DeviceClientError extends PushwireError<DeviceClientErrorCode> {
  override readonly name = 'DeviceClientError';
  readonly status?: number;
  readonly retryAfterMs?: number;

  constructor(
    code: DeviceClientErrorCode,
    message: string,
    retriable: boolean = retriableByDefault(code),
    details: DeviceClientErrorDetails = {},
  ) {
    super(code, message, { retriable, cause: details.cause });
    if (details.status !== undefined) this.status = details.status;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }
}

function retriableByDefault(code: DeviceClientErrorCode): boolean {
  if (code in ClientErrorCodes) return ClientErrorCodes[code as ClientErrorCode].retriable;
  return catalogueRetriable(code);
}

/** Parses a Retry-After header (delta-seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Translates a refused connect (or a refused POST /v1/frames) into a DeviceClientError, keeping the
 * server's own code and message when the body is the standard `{error:{code,message,retriable}}`.
 */
export function httpError(status: number, retryAfter: string | null | undefined, bodyText: string): DeviceClientError {
  const body = parseErrorBody(bodyText);
  const retryAfterMs = parseRetryAfter(retryAfter);
  const code: DeviceClientErrorCode =
    status === 401 ? 'unauthorized' : (body?.code ?? (status === 503 ? 'overloaded' : status === 429 ? 'rate_limited' : 'http_error'));
  const retriable = status === 401 ? false : (body?.retriable ?? (status === 503 || status === 429 || status >= 500));
  const message = `edge answered HTTP ${status}${body?.message ? `: ${body.message}` : ''}`;
  return new DeviceClientError(code, message, retriable, { status, retryAfterMs });
}

function parseErrorBody(text: string): { code?: ErrorCode; message?: string; retriable?: boolean } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON (a proxy's HTML page, say): the status alone has to tell what happened.
    return undefined;
  }
  const error = (parsed as { error?: unknown } | null)?.error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message, retriable } = error as Record<string, unknown>;
  return {
    code: typeof code === 'string' && code in ErrorCodes ? (code as ErrorCode) : undefined,
    message: typeof message === 'string' ? message.slice(0, 500) : undefined,
    retriable: typeof retriable === 'boolean' ? retriable : undefined,
  };
}

/** Wraps anything thrown into a DeviceClientError with the given code, keeping the original as cause. */
export function toClientError(e: unknown, code: DeviceClientErrorCode, context: string): DeviceClientError {
  if (e instanceof DeviceClientError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new DeviceClientError(code, `${context}: ${message}`, undefined, { cause: e });
}
