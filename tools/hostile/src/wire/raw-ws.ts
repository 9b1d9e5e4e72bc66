import type net from 'node:net';
import { acceptFor, requestBytes, upgradeRequest } from './handshake';
import { exchange, type Exchange } from './raw-exchange';
import { closeCodeOf, closeFrame, encodeClientFrame, Opcode, ServerFrameReader, type ServerFrame } from './ws-codec';

/**
 * How a WebSocket ended for the client: the close frame's code and reason, or 1006 ("abnormal") when
 * the socket ended without one. `byFrame` tells the two apart.
 */
export interface WsEnd {
  readonly code: number;
  readonly reason: string;
  readonly byFrame: boolean;
}

/** The upgrade was not answered with 101: what came instead. */
export class UpgradeRefused extends Error {
  override readonly name = 'UpgradeRefused';
  constructor(readonly result: Exchange) {
    super(
      `upgrade not accepted: ${result.outcome}${result.answer ? ` ${result.answer.status} ${result.answer.body.toString('utf8').slice(0, 200)}` : ''}`,
    );
  }
}

/**
 * A WebSocket client over a raw socket: any bytes can be sent (see ws-codec), server pings are
 * answered, text messages are kept in order and can be awaited, and the end is reported as the
 * close code the server chose. For the hostile tests; the device SDK is the real client.
 */
export class RawWebSocket {
  /** Text messages, oldest first, each parsed as JSON when it is JSON (else kept as the string). */
  readonly messages: unknown[] = [];
  /** Pong control frames received (answers to pings the client sent). */
  pongs = 0;
  /** Resolves when the connection ended, whoever ended it. */
  readonly ended: Promise<WsEnd>;
  private readonly reader = new ServerFrameReader();
  private fragments: Buffer[] = [];
  private waiters: { match: (m: unknown) => boolean; resolve: (m: unknown) => void }[] = [];
  private endWith!: (end: WsEnd) => void;
  private endInfo?: WsEnd;

  private constructor(private readonly socket: net.Socket) {
    this.ended = new Promise((resolve) => (this.endWith = resolve));
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('close', () => this.finish({ code: 1006, reason: '', byFrame: false }));
    socket.on('error', () => this.finish({ code: 1006, reason: '', byFrame: false }));
  }

  /**
   * Upgrades `target` on 127.0.0.1:`port` with `headers` added to a well-formed handshake; resolves
   * once the server answered 101 with the right accept key, else rejects with UpgradeRefused.
   */
  static async open(
    port: number,
    target: string,
    headers: readonly (readonly [string, string])[] = [],
    deadlineMs = 5000,
  ): Promise<RawWebSocket> {
    const request = upgradeRequest(port, target, headers);
    const result = await exchange(port, [requestBytes(request)], { deadlineMs, keepOpen: true });
    const key = request.headers.find(([n]) => n === 'Sec-WebSocket-Key')![1];
    if (result.outcome !== 'answered' || result.answer?.status !== 101 || !result.socket) throw new UpgradeRefused(result);
    if (result.answer.headers['sec-websocket-accept'] !== acceptFor(key)) {
      result.socket.destroy();
      throw new UpgradeRefused(result);
    }
    const ws = new RawWebSocket(result.socket);
    if (result.rest.length) ws.read(result.rest);
    result.socket.resume();
    return ws;
  }

  /** Whether the connection has ended. */
  get isEnded(): boolean {
    return this.endInfo !== undefined;
  }

  /** Writes raw bytes (one or more encoded frames, or anything else). */
  sendRaw(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** Sends `value` as one text frame (strings as they are, anything else as JSON). */
  sendText(value: unknown): void {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    this.sendRaw(encodeClientFrame({ opcode: Opcode.text, payload: Buffer.from(text, 'utf8') }));
  }

  /** The first message (received or to come) that `match` accepts; rejects after `deadlineMs` or when the connection ends first. */
  next(match: (m: unknown) => boolean, deadlineMs: number, what = 'a matching message'): Promise<unknown> {
    const i = this.messages.findIndex(match);
    if (i >= 0) return Promise.resolve(this.messages.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (m: unknown) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no ${what} within ${deadlineMs} ms; received ${JSON.stringify(this.messages).slice(0, 500)}`));
      }, deadlineMs);
      timer.unref();
      this.waiters.push(waiter);
      void this.ended.then((end) => {
        if (!this.waiters.includes(waiter)) return;
        this.waiters = this.waiters.filter((w) => w !== waiter);
        clearTimeout(timer);
        reject(new Error(`connection ended (${end.code} ${end.reason}) before ${what}`));
      });
    });
  }

  /** Sends a close frame with `code` and waits (up to `deadlineMs`) for the end; then drops the socket. */
  async close(code = 1000, deadlineMs = 2000): Promise<WsEnd> {
    this.sendRaw(closeFrame(code));
    const timer = setTimeout(() => this.socket.destroy(), deadlineMs);
    timer.unref();
    const end = await this.ended;
    clearTimeout(timer);
    return end;
  }

  /** Drops the socket at once (no close frame). */
  destroy(): void {
    this.socket.destroy();
  }

  private read(chunk: Buffer): void {
    for (const frame of this.reader.push(chunk)) this.onFrame(frame);
  }

  private onFrame(frame: ServerFrame): void {
    if (frame.opcode === Opcode.ping) {
      this.sendRaw(encodeClientFrame({ opcode: Opcode.pong, payload: frame.payload }));
    } else if (frame.opcode === Opcode.pong) {
      this.pongs++;
    } else if (frame.opcode === Opcode.close) {
      this.finish({ code: closeCodeOf(frame.payload), reason: frame.payload.subarray(2).toString('utf8'), byFrame: true });
      this.sendRaw(encodeClientFrame({ opcode: Opcode.close, payload: frame.payload.subarray(0, 2) }));
      this.socket.end();
    } else if (frame.opcode === Opcode.text || frame.opcode === Opcode.continuation) {
      this.fragments.push(frame.payload);
      if (!frame.fin) return;
      const text = Buffer.concat(this.fragments).toString('utf8');
      this.fragments = [];
      this.deliver(parseOrKeep(text));
    } else {
      this.deliver({ unexpectedOpcode: frame.opcode });
    }
  }

  private deliver(message: unknown): void {
    const i = this.waiters.findIndex((w) => w.match(message));
    if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(message);
    else this.messages.push(message);
  }

  private finish(end: WsEnd): void {
    if (this.endInfo) return;
    this.endInfo = end;
    this.endWith(end);
  }
}

function parseOrKeep(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
