import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/** An HTTP answer as read off the wire: status, lower-cased headers, and what followed the head. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  /** The body, or for a 101 the WebSocket bytes that followed. */
  body: Buffer;
}

/**
 * A client on a raw TCP socket, for what `ws` and `fetch` never send: a request line split across
 * TCP segments, HTTP/1.0, malformed headers, hand-made handshakes and frames. Nagle is off, so
 * every write leaves as its own segment.
 */
export class RawSocket {
  private received = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  /** Resolves when the server closed the connection (or it failed), with what had arrived by then. */
  readonly closed: Promise<{ bytes: Buffer; afterMs: number }>;
  private readonly opened = Date.now();

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      this.received = Buffer.concat([this.received, d]);
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        resolve({ bytes: this.received, afterMs: Date.now() - this.opened });
        for (const w of this.waiters.splice(0)) w();
      }),
    );
    // A reset by the server is one way of closing; `closed` reports it.
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<RawSocket> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => resolve(new RawSocket(socket)));
      socket.once('error', reject);
    });
  }

  /**
   * Writes the pieces one by one. Each is handed to the kernel (the write callback) and then a whole
   * poll phase of the event loop passes before the next: the edge under test runs in this process,
   * so it has read the piece on its own by then, as a server reads the first of two segments that
   * arrive apart. (The write callback comes on nextTick, still ahead of this turn's check phase; a
   * second setImmediate lands after the next turn's poll phase, where uWS reads its sockets.)
   */
  async write(...pieces: (string | Buffer)[]): Promise<void> {
    for (const piece of pieces) {
      await new Promise<void>((resolve, reject) => this.socket.write(piece, (err) => (err ? reject(err) : resolve())));
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
    }
  }

  /** The first answer: its head, and its body once Content-Length bytes are in (or whatever came, without one). */
  answer(timeoutMs = 5000): Promise<RawAnswer> {
    return this.until(() => parseAnswer(this.received), timeoutMs, 'an HTTP answer');
  }

  /** Resolves once what arrived satisfies `check` (its result); rejects on close or after `timeoutMs`. */
  until<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms; got ${JSON.stringify(this.text())}`)), timeoutMs);
      const test = () => {
        const found = check();
        if (found !== undefined) {
          clearTimeout(timer);
          resolve(found);
        } else if (this.socket.destroyed) {
          clearTimeout(timer);
          reject(new Error(`connection closed before ${what}; got ${JSON.stringify(this.text())}`));
        } else this.waiters.push(test);
      };
      test();
    });
  }

  /** The text frames the server sent after a 101 answer. */
  textFrames(): string[] {
    const answer = parseAnswer(this.received);
    return answer
      ? serverFrames(answer.body)
          .filter((f) => f.opcode === 1)
          .map((f) => f.payload.toString('utf8'))
      : [];
  }

  text(): string {
    return this.received.toString('latin1');
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Parses a complete answer head (and body when it has a length); undefined while incomplete. */
export function parseAnswer(bytes: Buffer): RawAnswer | undefined {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!status) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = bytes.subarray(end + 4);
  const length = headers['content-length'];
  if (length !== undefined && body.length < Number(length)) return undefined;
  return { status: Number(status[1]), headers, body };
}

/** A WebSocket handshake request; `omit` leaves headers out, `set` replaces them (by lower-case name). */
export function handshakeRequest(
  path: string,
  opts: { method?: string; omit?: string[]; set?: Record<string, string>; version?: string } = {},
): string {
  const headers: Record<string, string> = {
    host: '127.0.0.1',
    upgrade: 'websocket',
    connection: 'Upgrade',
    'sec-websocket-key': randomBytes(16).toString('base64'),
    'sec-websocket-version': '13',
    ...opts.set,
  };
  for (const name of opts.omit ?? []) delete headers[name];
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
  return `${opts.method ?? 'GET'} ${path} ${opts.version ?? 'HTTP/1.1'}\r\n${head.join('')}\r\n`;
}

/** A client frame: masked, as RFC 6455 requires of clients, FIN set; payloads under 126 bytes. */
export function clientFrame(opcode: number, payload: Buffer): Buffer {
  if (payload.length >= 126) throw new Error('clientFrame: payloads under 126 bytes only');
  const key = randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ key[i % 4]!));
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length]), key, masked]);
}

/** Server frames (unmasked) in `bytes`; a trailing incomplete frame is left out. */
export function serverFrames(bytes: Buffer): { opcode: number; payload: Buffer }[] {
  const frames: { opcode: number; payload: Buffer }[] = [];
  let at = 0;
  while (at + 2 <= bytes.length) {
    let length = bytes[at + 1]! & 0x7f;
    let head = 2;
    if (length === 126) {
      if (at + 4 > bytes.length) break;
      length = bytes.readUInt16BE(at + 2);
      head = 4;
    } else if (length === 127) {
      if (at + 10 > bytes.length) break;
      length = Number(bytes.readBigUInt64BE(at + 2));
      head = 10;
    }
    if (at + head + length > bytes.length) break;
    frames.push({ opcode: bytes[at]! & 0x0f, payload: bytes.subarray(at + head, at + head + length) });
    at += head + length;
  }
  return frames;
}
