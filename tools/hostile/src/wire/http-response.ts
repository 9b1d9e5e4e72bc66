/**
 * A lenient HTTP/1.x response parser for bytes read off a raw socket: the hostile tests send
 * requests no HTTP client would, so they read the answer byte by byte too, and must tell "an answer
 * came, here it is" from "nothing complete yet".
 */

/** One HTTP response as it came off the wire. */
export interface HttpAnswer {
  /** `HTTP/1.1`, `HTTP/1.0`. */
  readonly version: string;
  readonly status: number;
  readonly reason: string;
  /** Header names lower-cased; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** False when the body had no length and the socket closed (or the read stopped) mid-way. */
  readonly complete: boolean;
}

/** A parsed response and what followed it on the socket (WebSocket frames after a 101). */
export interface ParsedResponse {
  readonly answer: HttpAnswer;
  readonly rest: Buffer;
}

const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * Parses the first response in `bytes`, or returns undefined while it is incomplete. With
 * `ended` (the socket closed), a response without a length ends where the bytes end.
 */
export function parseHttpResponse(bytes: Buffer, ended = false): ParsedResponse | undefined {
  const headEnd = bytes.indexOf(HEAD_END);
  if (headEnd < 0) return undefined;
  const [statusLine = '', ...headerLines] = bytes.subarray(0, headEnd).toString('latin1').split('\r\n');
  const match = /^(HTTP\/\d\.\d) (\d{3})(?: (.*))?$/.exec(statusLine);
  if (!match) throw new Error(`not an HTTP response: ${JSON.stringify(statusLine.slice(0, 80))}`);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const head = { version: match[1]!, status: Number(match[2]), reason: match[3] ?? '', headers };
  const afterHead = bytes.subarray(headEnd + HEAD_END.length);
  // 1xx (101 Switching Protocols), 204 and 304 have no body; what follows a 101 is the new protocol.
  if (head.status < 200 || head.status === 204 || head.status === 304) {
    return { answer: { ...head, body: Buffer.alloc(0), complete: true }, rest: afterHead };
  }
  if (/\bchunked\b/i.test(headers['transfer-encoding'] ?? '')) return parseChunked(head, afterHead, ended);
  const length = headers['content-length'];
  if (length !== undefined) {
    const n = Number(length);
    if (afterHead.length >= n) return { answer: { ...head, body: afterHead.subarray(0, n), complete: true }, rest: afterHead.subarray(n) };
    return ended ? { answer: { ...head, body: afterHead, complete: false }, rest: Buffer.alloc(0) } : undefined;
  }
  // No length: the body runs until the server closes the connection.
  return ended ? { answer: { ...head, body: afterHead, complete: true }, rest: Buffer.alloc(0) } : undefined;
}

function parseChunked(head: Omit<HttpAnswer, 'body' | 'complete'>, data: Buffer, ended: boolean): ParsedResponse | undefined {
  const chunks: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size)) throw new Error('malformed chunk size in a chunked response');
    const start = lineEnd + 2;
    if (size === 0) {
      const end = data.indexOf(HEAD_END, lineEnd);
      if (end < 0 && !ended) break;
      return { answer: { ...head, body: Buffer.concat(chunks), complete: true }, rest: end < 0 ? Buffer.alloc(0) : data.subarray(end + 4) };
    }
    if (data.length < start + size + 2) break;
    chunks.push(data.subarray(start, start + size));
    at = start + size + 2;
  }
  return ended ? { answer: { ...head, body: Buffer.concat(chunks), complete: false }, rest: Buffer.alloc(0) } : undefined;
}
