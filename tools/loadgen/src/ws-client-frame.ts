import { randomFillSync } from 'node:crypto';

/** Random bytes for the frames' masking keys, drawn 4 at a time and refilled when used up. */
const keys = Buffer.alloc(64 * 1024);
let keyAt = keys.length;

/**
 * One unfragmented text message as a client must send it (RFC 6455 §5.2–5.3: FIN, opcode 1, masked
 * with a fresh random key), to write on a socket of openRawWebSocket. Cheap: one buffer, no copies.
 */
export function maskedTextFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + 4 + length);
  frame[0] = 0x81;
  if (header === 2) {
    frame[1] = 0x80 | length;
  } else if (header === 4) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  if (keyAt + 4 > keys.length) {
    randomFillSync(keys);
    keyAt = 0;
  }
  keys.copy(frame, header, keyAt, keyAt + 4);
  keyAt += 4;
  const start = header + 4;
  frame.write(text, start, 'utf8');
  for (let i = 0; i < length; i++) frame[start + i]! ^= keys[keyAt - 4 + (i & 3)]!;
  return frame;
}
