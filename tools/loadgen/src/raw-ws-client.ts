import net from 'node:net';
import { randomBytes } from 'node:crypto';

/** How to open a raw WebSocket; with `onText`, the client reads frames instead of discarding them. */
export interface RawWebSocketOptions {
  port: number;
  path: string;
  localAddress: string;
  headers?: Record<string, string>;
  /**
   * Called with every text message the server sends (the welcome frame included). Pings are
   * answered with pongs, so the connection outlives the server's idle timeout. Default: none, and
   * received bytes are discarded unread.
   */
  onText?: (text: string) => void;
}

/**
 * The leanest WebSocket client we can write for load: a TCP socket, an RFC 6455 upgrade request and
 * nothing else. Without `onText` it does no frame parsing at all (received bytes are discarded): it
 * costs the bench process a socket and a few hundred bytes, so hundreds of thousands fit in a few
 * client processes. With `onText` it parses the server's (unmasked) frames and answers pings.
 */
export function openRawWebSocket(opts: RawWebSocketOptions): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port: opts.port, host: '127.0.0.1', localAddress: opts.localAddress });
    let head = '';
    const extra = Object.entries(opts.headers ?? {}).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    socket.once('connect', () => {
      socket.write(`GET ${opts.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`);
    });
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      if (opts.onText) {
        const reader = new FrameReader(socket, opts.onText);
        socket.on('data', (data: Buffer) => reader.push(data));
        // Frames that came in the same chunk as the response head (latin1 keeps the bytes as they were).
        if (head.length > end + 4) reader.push(Buffer.from(head.slice(end + 4), 'latin1'));
      } else {
        socket.on('data', () => undefined); // keep reading (pings, frames) so nothing backs up
      }
      if (head.startsWith('HTTP/1.1 101')) resolve(socket);
      else {
        socket.destroy();
        reject(new Error(head.slice(0, head.indexOf('\r\n'))));
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

const OPCODE = { continuation: 0x0, text: 0x1, close: 0x8, ping: 0x9 } as const;

/** Server-to-client frames (RFC 6455 §5.2): text messages (fragmented or not) to `onText`, pings answered. */
class FrameReader {
  private buffered: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];

  constructor(
    private readonly socket: net.Socket,
    private readonly onText: (text: string) => void,
  ) {}

  push(chunk: Buffer): void {
    let buf = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    for (;;) {
      if (buf.length < 2) break;
      const fin = (buf[0]! & 0x80) !== 0;
      const opcode = buf[0]! & 0x0f;
      const masked = (buf[1]! & 0x80) !== 0;
      let length = buf[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buf.length < 4) break;
        length = buf.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buf.length < 10) break;
        length = Number(buf.readBigUInt64BE(2));
        offset = 10;
      }
      const maskAt = offset;
      if (masked) offset += 4; // servers must not mask; unmasked anyway if one does
      if (buf.length < offset + length) break;
      const payload = Buffer.from(buf.subarray(offset, offset + length));
      if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= buf[maskAt + (i & 3)]!;
      buf = buf.subarray(offset + length);
      this.frame(fin, opcode, payload);
    }
    this.buffered = buf.length ? Buffer.from(buf) : Buffer.alloc(0);
  }

  private frame(fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode === OPCODE.ping) {
      this.sendControl(0xa, payload);
    } else if (opcode === OPCODE.close) {
      this.socket.end();
    } else if (opcode === OPCODE.text || (opcode === OPCODE.continuation && this.fragments.length)) {
      this.fragments.push(payload);
      if (!fin) return;
      const message = this.fragments.length === 1 ? payload : Buffer.concat(this.fragments);
      this.fragments = [];
      this.onText(message.toString('utf8'));
    }
  }

  /** A masked control frame (pong), as clients must send them. */
  private sendControl(opcode: number, payload: Buffer): void {
    const mask = randomBytes(4);
    const frame = Buffer.alloc(6 + payload.length);
    frame[0] = 0x80 | opcode;
    frame[1] = 0x80 | payload.length; // control payloads are at most 125 bytes
    mask.copy(frame, 2);
    for (let i = 0; i < payload.length; i++) frame[6 + i] = payload[i]! ^ mask[i & 3]!;
    this.socket.write(frame);
  }
}
