import { randomBytes } from 'node:crypto';

/**
 * RFC 6455 framing with every knob exposed: the hostile tests build frames a WebSocket library
 * refuses to send (invalid UTF-8 in text, reserved opcodes and bits, unmasked client frames,
 * fragments out of order) and read the server's frames back, close frames included.
 */

/** Opcodes, including a reserved one servers must refuse. */
export const Opcode = {
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  reserved: 0x3,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
} as const;

/** One frame a client sends; defaults make a well-formed, masked, final frame. */
export interface ClientFrameSpec {
  readonly opcode: number;
  readonly payload: Buffer;
  /** FIN bit. Default true. */
  readonly fin?: boolean;
  /** RSV1-3 bits as a 3-bit number. Default 0 (no extension negotiated, so anything else is a violation). */
  readonly rsv?: number;
  /** Clients must mask (RFC 6455 §5.3); false sends an unmasked frame. Default true. */
  readonly masked?: boolean;
}

/** Encodes one client frame. */
export function encodeClientFrame(spec: ClientFrameSpec): Buffer {
  const { payload } = spec;
  const masked = spec.masked ?? true;
  const lengthBytes = payload.length < 126 ? 0 : payload.length < 65536 ? 2 : 8;
  const head = Buffer.alloc(2 + lengthBytes + (masked ? 4 : 0));
  head[0] = ((spec.fin ?? true) ? 0x80 : 0) | (((spec.rsv ?? 0) & 0x7) << 4) | (spec.opcode & 0x0f);
  const lengthField = lengthBytes === 0 ? payload.length : lengthBytes === 2 ? 126 : 127;
  head[1] = (masked ? 0x80 : 0) | lengthField;
  if (lengthBytes === 2) head.writeUInt16BE(payload.length, 2);
  if (lengthBytes === 8) head.writeBigUInt64BE(BigInt(payload.length), 2);
  if (!masked) return Buffer.concat([head, payload]);
  const key = randomBytes(4);
  key.copy(head, 2 + lengthBytes);
  const body = Buffer.allocUnsafe(payload.length);
  for (let i = 0; i < payload.length; i++) body[i] = payload[i]! ^ key[i & 3]!;
  return Buffer.concat([head, body]);
}

/** A masked text frame of `text`. */
export const textFrame = (text: string): Buffer => encodeClientFrame({ opcode: Opcode.text, payload: Buffer.from(text, 'utf8') });

/** A masked close frame with `code` (and no reason). */
export function closeFrame(code: number): Buffer {
  const payload = Buffer.alloc(2);
  payload.writeUInt16BE(code);
  return encodeClientFrame({ opcode: Opcode.close, payload });
}

/** One frame the server sent. */
export interface ServerFrame {
  readonly fin: boolean;
  readonly opcode: number;
  readonly payload: Buffer;
}

/** Splits the server's byte stream into frames, keeping a partial frame between chunks. */
export class ServerFrameReader {
  private pending: Buffer = Buffer.alloc(0);

  /** Frames completed by `chunk`. */
  push(chunk: Buffer): ServerFrame[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const frames: ServerFrame[] = [];
    for (;;) {
      const frame = this.next();
      if (!frame) return frames;
      frames.push(frame);
    }
  }

  private next(): ServerFrame | undefined {
    const b = this.pending;
    if (b.length < 2) return undefined;
    let length = b[1]! & 0x7f;
    let at = 2;
    if (length === 126) {
      if (b.length < 4) return undefined;
      length = b.readUInt16BE(2);
      at = 4;
    } else if (length === 127) {
      if (b.length < 10) return undefined;
      length = Number(b.readBigUInt64BE(2));
      at = 10;
    }
    const masked = (b[1]! & 0x80) !== 0;
    const key = masked ? b.subarray(at, at + 4) : undefined;
    if (masked) at += 4;
    if (b.length < at + length) return undefined;
    const payload = Buffer.from(b.subarray(at, at + length));
    if (key) for (let i = 0; i < payload.length; i++) payload[i]! ^= key[i & 3]!;
    this.pending = b.subarray(at + length);
    return { fin: (b[0]! & 0x80) !== 0, opcode: b[0]! & 0x0f, payload };
  }
}

/** The status code of a close frame's payload (1005, "no status", when it carries none). */
export function closeCodeOf(payload: Buffer): number {
  return payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
}
