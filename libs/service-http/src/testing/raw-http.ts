import { connect, type Socket } from 'node:net';

/** One HTTP response read off a raw connection: status, lower-cased headers, body as text. */
export interface RawHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** How a raw connection ended: `error` is the socket error's code (ECONNRESET …) when it ended in one. */
export interface RawHttpEnd {
  error?: string;
}

/**
 * One TCP connection to an HTTP server on which a test writes exactly the bytes it wants (a request
 * split anywhere, a body of any size) and reads the responses as they come. For tests of what a
 * server does with hostile input at the wire level, where a client library would correct or hide
 * it. Responses are read by Content-Length, which every Pushwire service sends.
 */
export class RawHttpConnection {
  /** Resolves when the connection ends, by either side or with an error. */
  readonly ended: Promise<RawHttpEnd>;
  private received = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  private endedWith: RawHttpEnd | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.waiter?.();
    });
    this.ended = new Promise((resolve) => {
      let error: string | undefined;
      socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
      socket.on('close', () => {
        this.endedWith = error === undefined ? {} : { error };
        this.waiter?.();
        resolve(this.endedWith);
      });
    });
  }

  static open(port: number, host = '127.0.0.1'): Promise<RawHttpConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawHttpConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Writes bytes; resolves once they are handed to the kernel, rejects if the connection broke. */
  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.write(data, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** The next complete response; rejects when the connection ends first or `timeoutMs` passes. */
  async response(timeoutMs = 5000): Promise<RawHttpResponse> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const parsed = this.takeResponse();
      if (parsed) return parsed;
      if (this.endedWith) {
        const how = this.endedWith.error ?? 'closed';
        throw new Error(`connection ended (${how}) before a whole response; got ${JSON.stringify(this.received.toString('latin1'))}`);
      }
      const left = until - Date.now();
      if (left <= 0) throw new Error(`no whole response within ${timeoutMs} ms; got ${JSON.stringify(this.received.toString('latin1'))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
  }

  /** Ends the connection from this side. */
  close(): void {
    this.socket.destroy();
  }

  private takeResponse(): RawHttpResponse | undefined {
    const headEnd = this.received.indexOf('\r\n\r\n');
    if (headEnd < 0) return undefined;
    const [statusLine = '', ...lines] = this.received.subarray(0, headEnd).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    const bodyStart = headEnd + 4;
    if (this.received.length < bodyStart + length) return undefined;
    const body = this.received.subarray(bodyStart, bodyStart + length).toString('utf8');
    this.received = this.received.subarray(bodyStart + length);
    return { status: Number(statusLine.split(' ')[1]), headers, body };
  }
}
