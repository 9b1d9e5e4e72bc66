import { createHash, randomBytes } from 'node:crypto';

/** An HTTP request kept as parts, so a generator can break any one of them. */
export interface RequestParts {
  readonly method: string;
  readonly target: string;
  /** `HTTP/1.1`; anything else is a mutation. */
  readonly version: string;
  /** In order; names as sent. */
  readonly headers: readonly (readonly [string, string])[];
  /** Lines written after the headers exactly as given (a line without a colon, a folded line). */
  readonly rawHeaderLines?: readonly string[];
  readonly body?: Buffer;
}

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** A fresh Sec-WebSocket-Key: 16 random bytes, base64. */
export const webSocketKey = (): string => randomBytes(16).toString('base64');

/** The Sec-WebSocket-Accept a server must answer `key` with. */
export const acceptFor = (key: string): string =>
  createHash('sha1')
    .update(key + WS_GUID)
    .digest('base64');

/** A well-formed WebSocket upgrade of `target` on `port` (RFC 6455 §4.1). */
export function upgradeRequest(port: number, target: string, extraHeaders: readonly (readonly [string, string])[] = []): RequestParts {
  return {
    method: 'GET',
    target,
    version: 'HTTP/1.1',
    headers: [
      ['Host', `127.0.0.1:${port}`],
      ['Upgrade', 'websocket'],
      ['Connection', 'Upgrade'],
      ['Sec-WebSocket-Key', webSocketKey()],
      ['Sec-WebSocket-Version', '13'],
      ...extraHeaders,
    ],
  };
}

/** A plain request (`Content-Length` added when there is a body and none is given). */
export function plainRequest(
  port: number,
  method: string,
  target: string,
  headers: readonly (readonly [string, string])[] = [],
  body?: Buffer,
): RequestParts {
  const hasLength = headers.some(([name]) => name.toLowerCase() === 'content-length');
  return {
    method,
    target,
    version: 'HTTP/1.1',
    headers: [['Host', `127.0.0.1:${port}`], ...headers, ...(body && !hasLength ? [['Content-Length', String(body.length)] as const] : [])],
    ...(body ? { body } : {}),
  };
}

/** The bytes of `parts`, exactly as given (no header is fixed up). */
export function requestBytes(parts: RequestParts): Buffer {
  const lines = [...parts.headers.map(([n, v]) => `${n}: ${v}`), ...(parts.rawHeaderLines ?? [])];
  const head = `${parts.method} ${parts.target} ${parts.version}\r\n${lines.map((l) => `${l}\r\n`).join('')}\r\n`;
  return parts.body ? Buffer.concat([Buffer.from(head, 'latin1'), parts.body]) : Buffer.from(head, 'latin1');
}

/** Cuts `bytes` at the given offsets (sorted, deduplicated, clamped inside) into segments. */
export function splitAt(bytes: Buffer, offsets: readonly number[]): Buffer[] {
  const cuts = [...new Set(offsets.map((o) => Math.min(Math.max(1, o), bytes.length - 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const cut of cuts) {
    if (cut <= from) continue;
    out.push(bytes.subarray(from, cut));
    from = cut;
  }
  out.push(bytes.subarray(from));
  return out;
}
