import type net from 'node:net';
import { randomFillSync } from 'node:crypto';

/**
 * RFC 6455 framing for the load clients, written for many connections: the parse state lives in
 * two fields of the connection object (no reader object, no closure per connection) and control
 * frames are answered straight on the socket.
 */

/** Where the parser keeps a partial frame and the fragments of an unfinished message between chunks. */
export interface FrameState {
  /** The socket being read; parsing stops when the owner moves on to another (or none). */
  socket: net.Socket | undefined;
  buffered: Buffer | undefined;
  fragments: Buffer[] | undefined;
}

/** What the parser reports: a complete text message, or the server's close frame. */
export interface FrameSink {
  onText(text: string): void;
  onCloseFrame(code: number, reason: string): void;
}

const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

/** No status code in the close frame (RFC 6455 §7.4.1). */
export const CLOSE_NO_STATUS = 1005;

/** Parses `chunk` (and what was left over from earlier chunks) into messages; pings are answered. */
export function readFrames(state: FrameState & FrameSink, socket: net.Socket, chunk: Buffer): void {
  let buf = state.buffered ? Buffer.concat([state.buffered, chunk]) : chunk;
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
    if (masked) offset += 4; // servers must not mask; unmask anyway if one does
    if (buf.length < offset + length) break;
    let payload = buf.subarray(offset, offset + length);
    if (masked) {
      payload = Buffer.from(payload);
      for (let i = 0; i < payload.length; i++) payload[i]! ^= buf[maskAt + (i & 3)]!;
    }
    buf = buf.subarray(offset + length);
    if (opcode === OP_PING) {
      socket.write(maskedControlFrame(OP_PONG, payload));
    } else if (opcode === OP_CLOSE) {
      const code = payload.length >= 2 ? payload.readUInt16BE(0) : CLOSE_NO_STATUS;
      state.onCloseFrame(code, payload.subarray(2).toString('utf8'));
      state.buffered = undefined;
      return; // nothing valid follows a close frame
    } else if (opcode === OP_TEXT || (opcode === OP_CONTINUATION && state.fragments)) {
      if (!fin) {
        // Copied: the chunk's memory is reused by later reads.
        (state.fragments ??= []).push(Buffer.from(payload));
        continue;
      }
      const message = state.fragments ? Buffer.concat([...state.fragments, payload]) : payload;
      state.fragments = undefined;
      state.onText(message.toString('utf8'));
      if (state.socket !== socket) return; // the connection was closed or restarted from the handler
    }
  }
  // Keep only the unparsed tail, copied so the (possibly large) chunk it came from can be collected.
  state.buffered = buf.length ? Buffer.from(buf) : undefined;
}

/** Random bytes for masking keys, used 4 at a time and refilled when spent. */
const keys = Buffer.alloc(16 * 1024);
let keyAt = keys.length;

/** A masked control frame (pong, close), as clients must send them; payloads of at most 125 bytes. */
export function maskedControlFrame(opcode: number, payload: Buffer): Buffer {
  if (keyAt + 4 > keys.length) {
    randomFillSync(keys);
    keyAt = 0;
  }
  const frame = Buffer.allocUnsafe(6 + payload.length);
  frame[0] = 0x80 | opcode;
  frame[1] = 0x80 | payload.length;
  keys.copy(frame, 2, keyAt, keyAt + 4);
  for (let i = 0; i < payload.length; i++) frame[6 + i] = payload[i]! ^ keys[keyAt + (i & 3)]!;
  keyAt += 4;
  return frame;
}

/** A masked close frame with `code` and no reason. */
export function maskedCloseFrame(code: number): Buffer {
  const payload = Buffer.allocUnsafe(2);
  payload.writeUInt16BE(code, 0);
  return maskedControlFrame(OP_CLOSE, payload);
}
